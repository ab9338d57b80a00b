"""Names from the glossary: 申诉复核 is a dispute (诉求 is the appeals hub's `Appeal`), 回访 is a return visit
(as the appeals hub's `ReturnVisit`). Tables, columns, the status value and the history action are renamed;
the permission codenames stay (roles hold them)."""

from django.db import migrations, models


def rename_values(apps, schema_editor, *, forward=True):
    Rectification = apps.get_model("evaluation", "Rectification")
    RectificationEvent = apps.get_model("evaluation", "RectificationEvent")
    status = ("called_back", "return_visited") if forward else ("return_visited", "called_back")
    action = ("callback", "return_visit") if forward else ("return_visit", "callback")
    Rectification.objects.filter(status=status[0]).update(status=status[1])
    RectificationEvent.objects.filter(from_status=status[0]).update(from_status=status[1])
    RectificationEvent.objects.filter(to_status=status[0]).update(to_status=status[1])
    RectificationEvent.objects.filter(action=action[0]).update(action=action[1])


def forwards(apps, schema_editor):
    rename_values(apps, schema_editor, forward=True)


def backwards(apps, schema_editor):
    rename_values(apps, schema_editor, forward=False)


STATUS_CHOICES = [
    ("open", "待整改"),
    ("return_visited", "已回访"),
    ("rectified", "已整改待核查"),
    ("verified", "核查通过"),
    ("rejected", "核查不通过（退回整改）"),
    ("closed", "已关闭（评价作废）"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0002_rectification_history"),
    ]

    operations = [
        migrations.RenameModel(old_name="EvaluationAppeal", new_name="RatingDispute"),
        migrations.AlterModelOptions(
            name="ratingdispute",
            options={
                "default_permissions": (),
                "permissions": [
                    ("add_evaluationappeal", "Can add 评价申诉"),
                    ("change_evaluationappeal", "Can change 评价申诉"),
                    ("delete_evaluationappeal", "Can delete 评价申诉"),
                    ("view_evaluationappeal", "Can view 评价申诉"),
                    ("review_evaluationappeal", "复核评价申诉、作废评价"),
                ],
                "verbose_name": "评价申诉",
                "verbose_name_plural": "评价申诉",
            },
        ),
        migrations.AlterField(
            model_name="ratingdispute",
            name="evaluation",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT,
                related_name="disputes",
                to="evaluation.evaluation",
                verbose_name="评价",
            ),
        ),
        migrations.RenameIndex(
            model_name="ratingdispute", new_name="ratingdispute_queue", old_name="evaluationappeal_queue"
        ),
        migrations.RemoveConstraint(model_name="ratingdispute", name="evaluationappeal_one_pending"),
        migrations.AddConstraint(
            model_name="ratingdispute",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("evaluation",),
                name="ratingdispute_one_pending",
            ),
        ),
        migrations.RenameField(
            model_name="rectification", old_name="callback_required", new_name="return_visit_required"
        ),
        migrations.RenameField(model_name="rectification", old_name="called_back_at", new_name="return_visited_at"),
        migrations.RenameField(model_name="rectification", old_name="callback_note", new_name="return_visit_note"),
        migrations.AlterField(
            model_name="rectification",
            name="status",
            field=models.CharField(choices=STATUS_CHOICES, default="open", max_length=16, verbose_name="状态"),
        ),
        migrations.AlterField(
            model_name="rectificationevent",
            name="from_status",
            field=models.CharField(blank=True, choices=STATUS_CHOICES, max_length=16, verbose_name="原状态"),
        ),
        migrations.AlterField(
            model_name="rectificationevent",
            name="to_status",
            field=models.CharField(choices=STATUS_CHOICES, max_length=16, verbose_name="新状态"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
