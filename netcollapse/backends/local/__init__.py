"""Generators that run the model in this process.

- :mod:`~netcollapse.backends.local.hf`: :class:`~netcollapse.backends.HFGenerator`
  (transformers, batched; CPU or GPU);
- :mod:`~netcollapse.backends.local.llamacpp`:
  :class:`~netcollapse.backends.LlamaCppGenerator` (llama.cpp on a GGUF file,
  batched decoding);
- :mod:`~netcollapse.backends.local.gguf`: the GGUF files llama.cpp reads (the
  bundled one or a user's, converted copies, one loaded model per file).

Import the generators from :mod:`netcollapse.backends`. Nothing here imports torch
or ``llama_cpp`` until a model loads.
"""
