"""Generators that ask a server for the text.

- :mod:`~netcollapse.backends.remote.openai_api`:
  :class:`~netcollapse.backends.OpenAIGenerator` (any OpenAI-compatible server:
  vLLM, SGLang, llama.cpp server, hosted APIs);
- :mod:`~netcollapse.backends.remote._http`: the HTTP plumbing it uses (retries,
  one-line causes for failed requests, reading replies).

Import the generator from :mod:`netcollapse.backends`.
"""
