# Summer training and re-evaluation after a TT 22 school year (TT 22/2021 Điều 13, 14).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('curriculum', '0001_initial'),
        ('gradebook', '0003_primary'),
        ('roster', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SummerConduct',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.CharField(blank=True, choices=[('TOT', 'Tốt'), ('KHA', 'Khá'), ('DAT', 'Đạt'), ('CHUA_DAT', 'Chưa đạt')], max_length=8, verbose_name='rèn luyện sau hè')),
                ('version', models.PositiveIntegerField(default=0, verbose_name='phiên bản')),
                ('updated_at', models.DateTimeField(blank=True, null=True, verbose_name='lúc nhập')),
                ('school_class', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='summer_conduct', to='roster.schoolclass')),
                ('student', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='summer_conduct', to='roster.student')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người nhập')),
            ],
            options={
                'verbose_name': 'rèn luyện sau hè',
                'verbose_name_plural': 'rèn luyện sau hè',
                'constraints': [models.UniqueConstraint(fields=('student', 'school_class'), name='one_summer_conduct_per_student_class'), models.CheckConstraint(condition=models.Q(('level__in', ['', 'TOT', 'KHA', 'DAT', 'CHUA_DAT'])), name='summer_conduct_level_known')],
            },
        ),
        migrations.CreateModel(
            name='SubjectRetest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('score', models.DecimalField(blank=True, decimal_places=1, max_digits=3, null=True, verbose_name='điểm kiểm tra lại')),
                ('rating', models.CharField(blank=True, choices=[('D', 'Đ'), ('CD', 'CĐ')], max_length=2, verbose_name='đánh giá lại (Đ/CĐ)')),
                ('version', models.PositiveIntegerField(default=0, verbose_name='phiên bản')),
                ('updated_at', models.DateTimeField(blank=True, null=True, verbose_name='lúc nhập')),
                ('school_class', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='retests', to='roster.schoolclass')),
                ('student', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='retests', to='roster.student')),
                ('subject', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='curriculum.subject')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người nhập')),
            ],
            options={
                'verbose_name': 'kết quả kiểm tra, đánh giá lại',
                'verbose_name_plural': 'kết quả kiểm tra, đánh giá lại',
                'constraints': [models.UniqueConstraint(fields=('student', 'school_class', 'subject'), name='one_retest_per_student_class_subject'), models.CheckConstraint(condition=models.Q(('score__isnull', True), models.Q(('score__gte', 0), ('score__lte', 10)), _connector='OR'), name='retest_score_0_to_10'), models.CheckConstraint(condition=models.Q(('rating__in', ['', 'D', 'CD'])), name='retest_rating_known'), models.CheckConstraint(condition=models.Q(('score__isnull', True), ('rating', ''), _connector='OR'), name='retest_score_or_rating')],
            },
        ),
    ]
