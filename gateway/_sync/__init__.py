"""The blocking API's modules: ``_client`` written by hand, the others generated.

See :mod:`gateway._codegen`; :mod:`gateway` re-exports the public names.
"""
