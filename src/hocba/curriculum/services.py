from __future__ import annotations

from hocba.curriculum.models import Subject
from hocba.domain.subjects import SUBJECTS


def ensure_subjects() -> dict[str, Subject]:
    """Create or refresh the subject catalogue; return it by code."""
    existing = {s.code: s for s in Subject.objects.all()}
    if not existing:
        # A fresh catalogue in one statement (and one audit event from the caller, not 25).
        Subject.objects.bulk_create(
            Subject(code=i.code, name=i.name, levels=list(i.levels)) for i in SUBJECTS)
        return {s.code: s for s in Subject.objects.all()}
    for info in SUBJECTS:
        subject = existing.get(info.code)
        if subject is None:
            existing[info.code] = Subject.objects.create(
                code=info.code, name=info.name, levels=list(info.levels)
            )
        elif subject.name != info.name or subject.levels != list(info.levels):
            subject.name, subject.levels = info.name, list(info.levels)
            subject.save(update_fields=["name", "levels"])
    return existing
