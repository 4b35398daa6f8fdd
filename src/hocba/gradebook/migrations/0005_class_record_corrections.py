# A GVCN's change to a locked term's class record becomes a correction request
# (HCMC QĐ 1789 Điều 13): CorrectionRequest points to exactly one of three targets.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('gradebook', '0004_reassessment'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='correctionrequest',
            name='correction_of_exactly_one_result',
        ),
        migrations.AddField(
            model_name='correctionrequest',
            name='class_record',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrections', to='gradebook.classtermrecord'),
        ),
        migrations.AddConstraint(
            model_name='correctionrequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('class_record__isnull', True), ('primary_result__isnull', True), ('result__isnull', False)), models.Q(('class_record__isnull', True), ('primary_result__isnull', False), ('result__isnull', True)), models.Q(('class_record__isnull', False), ('primary_result__isnull', True), ('result__isnull', True)), _connector='OR'), name='correction_of_exactly_one_result'),
        ),
    ]
