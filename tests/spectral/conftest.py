import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Dense references in these tests are small; threaded OpenBLAS on shared cores is not."""
    with threadpool_limits(1, user_api="blas"):
        yield
