"""netcollapse."""
