"""The knowledge-base articles of the appeals demo (published, indexed for full-text search)."""

from __future__ import annotations

from typing import Final

from django.utils import timezone

from shuzheng.appeals.constants import KB_DOC, ArticleStatus
from shuzheng.appeals.demo import synthetic
from shuzheng.appeals.models import Category, KnowledgeArticle, KnowledgeArticleVersion
from shuzheng.core import fulltext
from shuzheng.orgs.models import Department

ARTICLES: Final = (
    (
        "ZW01",
        "恩平市政务服务中心的办公时间是什么？",
        "工作日 8:30—12:00，14:30—17:30；周六上午提供部分事项的延时服务，法定节假日休息。",
        "上班时间,开门,周六",
    ),
    (
        "ZF01",
        "在恩平购买住房如何提取住房公积金？",
        "携带身份证、购房合同、发票及银行卡到江门市住房公积金管理中心恩平管理部办理，也可通过粤省事小程序在线申请，符合条件的3个工作日内到账。",
        "公积金,提取,购房",
    ),
    (
        "ZF01",
        "住房公积金贷款最高可以贷多少？",
        "额度按缴存余额倍数、还款能力和房价综合确定，具体以管理部核定为准，可通过粤省事或窗口试算。",
        "公积金贷款,额度",
    ),
    (
        "SB01",
        "灵活就业人员如何参加企业职工养老保险？",
        "可通过粤税通、粤省事或到市社保窗口登记，按年度缴费基数上下限自选档次缴费。",
        "灵活就业,养老保险,社保",
    ),
    (
        "SB02",
        "异地就医如何备案？",
        "可通过国家医保服务平台App、粤医保小程序或到医保窗口办理异地就医备案，备案后在就医地定点医院直接结算。",
        "异地就医,备案,医保",
    ),
    (
        "SB02",
        "在外地住院回恩平怎么报销医保？",
        "未备案的可携带身份证、医保卡、住院发票、费用清单、出院小结到市医保局窗口办理零星报销。",
        "医保报销,住院,外地",
    ),
    (
        "HJ02",
        "身份证丢失后如何补办？",
        "到户籍所在地或就近派出所户籍窗口办理，可同时申领临时身份证；广东省内可跨市补领。",
        "身份证,补办,临时身份证",
    ),
    (
        "HJ01",
        "外省户口迁入恩平需要什么材料？",
        "一般需要身份证、户口簿、迁入地住所证明（房产证或集体户同意书）等，实行“跨省通办”的可在迁入地一次办结。",
        "户口迁移,落户",
    ),
    (
        "JY01",
        "小学一年级学位怎么申请？",
        "每年5月前后教育局发布招生方案，按户籍和房产所在学区网上报名，随迁子女按积分入学办法申请。",
        "学位,入学,一年级",
    ),
    (
        "LD02",
        "劳动仲裁去哪里申请？",
        "到恩平市劳动人事争议仲裁委员会（市人社局）提交仲裁申请书、身份证明和证据材料，仲裁不收费。",
        "劳动仲裁,申请",
    ),
    (
        "LD01",
        "被拖欠工资怎么办？",
        "可拨打12345或12333投诉，也可到人社局劳动保障监察部门现场投诉，需提供劳动关系证明和欠薪金额。",
        "欠薪,拖欠工资,讨薪",
    ),
    (
        "GD01",
        "停电了怎么查询恢复时间？",
        "可拨打95598或关注“南方电网95598”查询计划停电和故障抢修进度。",
        "停电,恢复供电,95598",
    ),
    (
        "GS01",
        "计划停水通知在哪里查？",
        "供水企业会提前在官方公众号和小区公告栏发布计划停水通知，也可致电12345查询。",
        "停水,通知",
    ),
    (
        "MZ01",
        "低保怎么申请？",
        "向户籍所在地镇（街道）提出书面申请，提供家庭收入和财产情况，经入户调查、民主评议和公示后审批。",
        "低保,申请,救助",
    ),
    (
        "MZ02",
        "高龄津贴怎么申请？",
        "年满80周岁的户籍老人可到村（居）委会或镇（街道）社会事务办申请，按月发放。",
        "高龄津贴,老人",
    ),
    (
        "CJ01",
        "残疾证怎么办理？",
        "到市残联领取申请表，到指定医院做残疾评定，评定合格后由残联发证，可通过粤省事申请。",
        "残疾证,办理,鉴定",
    ),
    (
        "SW01",
        "个体户如何开具电子发票？",
        "登录广东省电子税务局，在“发票使用”中开具数电发票，首次使用需完成实名认证。",
        "发票,个体户,电子税务局",
    ),
    (
        "QY01",
        "小微企业有哪些惠企补贴政策？",
        "可在“粤商通”和恩平市政府网站“惠企政策”专栏查询，符合条件的可在线申报，政策兑现由商务局统筹。",
        "惠企,补贴,小微企业",
    ),
    (
        "QY02",
        "企业如何通过信易贷平台申请贷款？",
        "登录“信易贷”平台（江门站）注册企业账号并授权信用信息，选择银行产品在线申请。",
        "信易贷,融资,贷款",
    ),
    (
        "TY01",
        "退役军人有哪些就业优惠政策？",
        "可享受职业技能培训补助、创业担保贷款贴息、招录优先等政策，详情咨询市退役军人事务局。",
        "退役军人,就业",
    ),
    (
        "YL02",
        "流感疫苗在哪里接种？",
        "各镇卫生院和社区卫生服务中心均可接种，可通过“粤苗”小程序预约。",
        "流感疫苗,接种,预约",
    ),
    (
        "ZF03",
        "二手房过户需要什么材料？",
        "买卖双方身份证、不动产权证书、买卖合同及完税凭证，到不动产登记中心窗口或“粤省事”预约办理。",
        "过户,不动产,二手房",
    ),
)


def ensure_articles(categories: dict[str, Category], departments: dict[str, Department]) -> int:
    known = set(KnowledgeArticle.objects.values_list("question", flat=True))
    leaves = {spec.code: spec for spec in synthetic.LEAVES}
    now = timezone.now()
    for code, question, answer, keywords in ARTICLES:
        if question in known:
            continue
        spec = leaves[code]
        article = KnowledgeArticle.objects.create(
            question=question,
            answer=answer,
            keywords=keywords,
            category=categories[code],
            department=departments.get(spec.department),
            status=ArticleStatus.PUBLISHED,
            published_at=now,
        )
        KnowledgeArticleVersion.objects.create(
            article=article,
            version=1,
            question=question,
            answer=answer,
            status=article.status,
            action="import",
            note="演示数据",
        )
        fulltext.index(KB_DOC, article.pk, f"{question} {keywords} {answer}")
    return KnowledgeArticle.objects.count()
