# A GVCN's change to a locked term's primary (TT 27) class record becomes a correction request
# (HCMC QĐ 1789 Điều 13): CorrectionRequest points to exactly one of four targets; ``field``
# holds the record's model field names (``recognised_outstanding``), hence 30 characters.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('gradebook', '0005_class_record_corrections'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='correctionrequest',
            name='correction_of_exactly_one_result',
        ),
        migrations.AddField(
            model_name='correctionrequest',
            name='primary_class_record',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrections', to='gradebook.primaryclassrecord'),
        ),
        migrations.AlterField(
            model_name='correctionrequest',
            name='field',
            field=models.CharField(max_length=30, verbose_name='ô'),
        ),
        migrations.AddConstraint(
            model_name='correctionrequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('class_record__isnull', True), ('primary_class_record__isnull', True), ('primary_result__isnull', True), ('result__isnull', False)), models.Q(('class_record__isnull', True), ('primary_class_record__isnull', True), ('primary_result__isnull', False), ('result__isnull', True)), models.Q(('class_record__isnull', False), ('primary_class_record__isnull', True), ('primary_result__isnull', True), ('result__isnull', True)), models.Q(('class_record__isnull', True), ('primary_class_record__isnull', False), ('primary_result__isnull', True), ('result__isnull', True)), _connector='OR'), name='correction_of_exactly_one_result'),
        ),
    ]
