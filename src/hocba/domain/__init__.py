"""The pure domain core of hocba: rules and data with no Django import.

Everything here is deterministic, typed and testable without a database.
"""
