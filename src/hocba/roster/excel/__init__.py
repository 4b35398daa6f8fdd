"""Excel import of class lists and teacher lists: read (calamine), check, write all or nothing.

``reader`` opens an upload safely, ``hocba.domain.roster_sheet`` turns cells into typed rows
or errors, ``services`` writes, ``templates`` builds the blank files users fill in.
"""
