"""SYNTHETIC appeals for the demo and for tests — generated text, not real citizens' appeals.

The demo needs a few tens of thousands of closed appeals in Chinese so the dispatch classifier works
out of the box. None exist in the open, so this module writes them: templates per category (several
phrasings each, with the appeal type they usually carry) × places (Enping's real town and street
names, made-up village names, real landmarks such as 锦江温泉, 恩城, 沙湖) × details (times, amounts,
durations, plate numbers, shop and company names), wrapped in varied openings and closings.

To keep the classifier's metrics honest the generator adds noise on purpose: about 8 % of texts get an
unrelated sentence from another category, about 5 % are vague ("反映的问题一直没人管"), about 30 % do
not name the town, and a few categories are sometimes handled by another department (``alternatives``,
as happens in real hotline history). Seeded, so a run is reproducible.

The category tree and the dispatch catalogue (category → department, with town governments taking
some local matters) live here too, because the labels of the generated appeals follow from them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from shuzheng.appeals.constants import AppealChannel, AppealType

T = AppealType


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    parent: str  # "" for a group
    department: str = ""  # responsible department code (leaves)
    town_local: bool = False  # outside 恩城街道 the town government answers
    keywords: str = ""
    templates: tuple[
        str, ...
    ] = ()  # "<type letter>|text"; C consult, H help, P complaint, R report, S suggestion
    alternatives: tuple[str, ...] = ()  # departments that sometimes handled it in "history"
    sla_days: int | None = None


GROUPS: Final[tuple[tuple[str, str], ...]] = (
    ("CR", "市容环卫"),
    ("DL", "道路交通"),
    ("ZY", "噪音扰民"),
    ("WJ", "违章建筑"),
    ("GS", "供水"),
    ("GD", "供电"),
    ("RQ", "燃气"),
    ("WY", "物业管理"),
    ("LD", "劳动保障"),
    ("XF", "消费维权"),
    ("SP", "食品安全"),
    ("YL", "医疗卫生"),
    ("JY", "教育"),
    ("SB", "社保医保"),
    ("HJ", "户籍"),
    ("ST", "生态环境"),
    ("NY", "农业农村"),
    ("LY", "林业"),
    ("SL", "水利三防"),
    ("JT", "交通运输"),
    ("ZF", "住房公积金"),
    ("SC", "市场监管"),
    ("AQ", "安全生产"),
    ("MZ", "民政救助"),
    ("TY", "退役军人"),
    ("WL", "文化旅游"),
    ("QY", "企业诉求（中小微企业）"),
    ("SW", "税务"),
    ("CJ", "残疾人服务"),
    ("ZW", "政务服务"),
)

LEAVES: Final[tuple[CategorySpec, ...]] = (
    CategorySpec(
        "CR01",
        "垃圾清运",
        "CR",
        "EP022",
        True,
        "垃圾,垃圾桶,清运,臭",
        (
            "P|{place}{spot}的垃圾桶已经{duration}没人清运，垃圾堆成小山，气味很臭",
            "P|{place}{spot}附近垃圾乱堆乱放，苍蝇蚊子很多，影响居民生活",
            "S|建议在{place}{spot}增设几个分类垃圾桶，现在只有一个根本不够用",
            "P|{place}的垃圾收集点每天{time}才清运，夏天臭气熏天",
        ),
        ("EP009",),
    ),
    CategorySpec(
        "CR02",
        "占道经营",
        "CR",
        "EP022",
        True,
        "占道,摆摊,流动摊贩",
        (
            "P|{place}{street}每天{time}有流动摊贩占道经营，行人只能走到机动车道上",
            "R|{street}{shop}长期把货物摆到人行道上占道经营，城管来了就收，走了又摆",
            "P|{place}菜市场门口摊贩占道，车辆无法通行，{duration}了一直没人管",
        ),
    ),
    CategorySpec(
        "CR03",
        "户外广告与市容",
        "CR",
        "EP022",
        False,
        "广告牌,招牌,横幅,牛皮癣",
        (
            "R|{street}{shop}的招牌松动摇晃，大风天很危险，担心砸到路人",
            "P|{place}电线杆和墙上到处是小广告牛皮癣，严重影响市容",
            "P|{street}有商户挂的横幅已经破烂{duration}了也没人拆",
        ),
    ),
    CategorySpec(
        "DL01",
        "道路破损",
        "DL",
        "EP010",
        False,
        "路面,坑洼,井盖,破损",
        (
            "H|{place}{street}路面出现一个大坑，已经有{count}辆电动车摔倒，请尽快修补",
            "P|{street}的井盖缺失{duration}了，晚上看不见，非常危险",
            "P|{place}通往{village}的村道坑坑洼洼，下雨天积水严重，车辆无法通行",
        ),
        ("EP011",),
    ),
    CategorySpec(
        "DL02",
        "交通信号与标线",
        "DL",
        "EP004-01",
        False,
        "红绿灯,信号灯,斑马线,标线",
        (
            "P|{street}与{street2}交叉路口的红绿灯坏了{duration}，上下班时间非常混乱",
            "S|建议在{street}{landmark}门口增设斑马线和减速带，学生过马路很危险",
            "P|{street}的信号灯时间设置不合理，绿灯只有{seconds}秒，行人来不及过马路",
        ),
    ),
    CategorySpec(
        "DL03",
        "违章停车",
        "DL",
        "EP004-01",
        False,
        "乱停车,违停,占用车道",
        (
            "R|{street}{shop}门口经常有车辆乱停乱放，车牌{plate}的小车已经停了{duration}",
            "P|{place}{landmark}附近违章停车严重，消防通道被堵死",
            "R|有货车长期停在{street}人行道上，车牌号{plate}，影响通行",
        ),
    ),
    CategorySpec(
        "ZY01",
        "建筑施工噪音",
        "ZY",
        "EP009",
        False,
        "施工,夜间施工,打桩,噪音",
        (
            "P|{place}{street}附近工地每天晚上{late}还在施工打桩，噪音很大，无法入睡",
            "P|{company}的工地在{landmark}旁边夜间施工，周末也不停，严重扰民",
            "R|举报{place}有工地未办理夜间施工许可，凌晨还在浇筑混凝土",
        ),
        ("EP010",),
    ),
    CategorySpec(
        "ZY02",
        "社会生活噪音",
        "ZY",
        "EP004",
        True,
        "广场舞,音响,装修,噪音",
        (
            "P|{place}{spot}每天晚上跳广场舞音响开得很大，到{late}还不停",
            "P|楼上住户装修从早上{time}开始电钻声不断，周末也装修，多次沟通无果",
            "P|{place}{spot}有人长期在夜间用大音响唱歌，严重影响休息",
        ),
        ("EP022",),
    ),
    CategorySpec(
        "ZY03",
        "商业经营噪音",
        "ZY",
        "EP022",
        False,
        "商铺,喇叭,促销,噪音",
        (
            "P|{street}{shop}门口用大喇叭循环播放促销广告，从早到晚吵个不停",
            "P|{place}{shop}的KTV营业到凌晨，噪音扰民，{duration}了一直没有改善",
        ),
        ("EP004",),
    ),
    CategorySpec(
        "WJ01",
        "违法建设",
        "WJ",
        "EP022",
        True,
        "违建,违章搭建,加建,乱搭建",
        (
            "R|{place}{village}有村民在耕地上违法建房，已经建到{floors}层",
            "R|{street}某小区顶楼住户违章搭建铁皮房，存在安全隐患",
            "R|举报{place}{spot}有人私自加建围墙占用公共通道",
        ),
        ("EP023",),
    ),
    CategorySpec(
        "GS01",
        "停水与水压",
        "GS",
        "EP010",
        False,
        "停水,水压,没水,自来水",
        (
            "H|{place}{spot}从{time}开始停水，事先没有任何通知，什么时候恢复供水",
            "P|{place}{village}自来水水压太低，三楼以上{duration}都没有水用",
            "C|请问{place}这次计划停水什么时候结束",
        ),
    ),
    CategorySpec(
        "GS02",
        "水质问题",
        "GS",
        "EP010",
        False,
        "水质,黄水,浑浊,异味",
        (
            "P|{place}{spot}的自来水发黄浑浊，有异味，不敢饮用",
            "H|{place}家里水龙头放出来的水有沙子，已经{duration}了",
        ),
        ("EP016",),
    ),
    CategorySpec(
        "GD01",
        "停电与电压",
        "GD",
        "EP028",
        False,
        "停电,电压,跳闸,供电",
        (
            "H|{place}{village}从{time}开始停电，{duration}了还没来电，冰箱里的东西都坏了",
            "P|{place}{spot}电压不稳，经常跳闸，家电都烧坏了",
            "C|请问{place}明天是不是计划停电，停到几点",
        ),
    ),
    CategorySpec(
        "GD02",
        "电费与用电报装",
        "GD",
        "EP028",
        False,
        "电费,电表,报装,抄表",
        (
            "P|这个月电费突然比平时多了{amount}元，怀疑电表有问题",
            "C|{company}新厂房想办理用电报装，需要准备什么材料，多久能通电",
        ),
    ),
    CategorySpec(
        "RQ01",
        "燃气安全",
        "RQ",
        "EP010",
        False,
        "燃气,煤气,液化气,漏气",
        (
            "R|{place}{spot}闻到很浓的燃气味，怀疑管道漏气，请尽快派人检查",
            "R|举报{street}{shop}违规存放多个液化气罐，存在重大安全隐患",
            "C|请问家里的燃气管道安全检查是免费的吗，上门检查的人怎么核实身份",
        ),
        ("EP018",),
    ),
    CategorySpec(
        "WY01",
        "物业服务",
        "WY",
        "EP010",
        False,
        "物业,小区,电梯,物业费",
        (
            "P|{place}某小区物业不作为，电梯坏了{duration}都没修，老人上下楼很困难",
            "P|小区物业未经业主同意上调物业费，每平方米涨了{small}元",
            "P|{place}小区物业把公共绿地改成停车位出租，业主多次反映无果",
        ),
    ),
    CategorySpec(
        "LD01",
        "拖欠工资",
        "LD",
        "EP008",
        False,
        "欠薪,拖欠工资,工资,讨薪",
        (
            "H|本人在{company}工作，公司已拖欠{months}个月工资共{amount}元，老板一直推脱",
            "H|{place}一个工地拖欠{count}名工人工资，包工头联系不上",
            "P|{company}辞退员工后不结清工资，还扣押押金{amount}元",
        ),
    ),
    CategorySpec(
        "LD02",
        "劳动合同与用工",
        "LD",
        "EP008",
        False,
        "劳动合同,加班,社保,辞退",
        (
            "P|{company}不与员工签订劳动合同，每天加班到{late}也没有加班费",
            "C|请问在{place}申请劳动仲裁需要什么材料，去哪里办理",
            "P|{company}违法辞退怀孕女职工，不给任何补偿",
        ),
    ),
    CategorySpec(
        "XF01",
        "商品与服务质量",
        "XF",
        "EP020",
        False,
        "质量,退货,售后,假货",
        (
            "P|在{street}{shop}买的手机用了{days}天就坏了，商家拒绝退换",
            "P|在{place}{shop}购买的家电有质量问题，多次维修不好，要求退款{amount}元",
            "R|{street}{shop}销售假冒名牌商品，请有关部门查处",
        ),
    ),
    CategorySpec(
        "XF02",
        "预付卡消费",
        "XF",
        "EP020",
        False,
        "预付卡,充值,会员卡,跑路",
        (
            "P|{street}{shop}突然关门，我办的会员卡里还有{amount}元没用",
            "P|{place}一家健身房卖了很多年卡后跑路，涉及{count}多名会员",
        ),
    ),
    CategorySpec(
        "SP01",
        "餐饮卫生",
        "SP",
        "EP020",
        False,
        "餐饮,卫生,后厨,食物中毒",
        (
            "R|{street}{shop}后厨卫生很差，我们吃完饭后{count}个人都拉肚子",
            "R|{place}{shop}使用地沟油，厨房老鼠很多",
            "P|在{landmark}附近{shop}吃饭发现菜里有虫子，商家态度恶劣",
        ),
        ("EP016",),
    ),
    CategorySpec(
        "SP02",
        "食品质量与过期食品",
        "SP",
        "EP020",
        False,
        "过期,食品,保质期,三无",
        (
            "R|在{place}{shop}买到过期{days}天的牛奶，要求查处",
            "R|{street}有商店销售三无食品，包装上没有生产日期",
        ),
    ),
    CategorySpec(
        "YL01",
        "医疗服务",
        "YL",
        "EP016",
        False,
        "医院,医生,看病,收费",
        (
            "P|在恩平市人民医院看病排队{duration}，医生态度很差",
            "P|{place}卫生院乱收费，一次检查收了{amount}元没有明细",
            "S|建议{place}卫生院周末也安排儿科医生值班",
        ),
        ("EP021",),
    ),
    CategorySpec(
        "YL02",
        "疫苗与公共卫生",
        "YL",
        "EP016",
        False,
        "疫苗,接种,预防,体检",
        (
            "C|请问{place}社区卫生服务中心什么时候可以接种流感疫苗",
            "C|孩子{months}个月大需要打什么疫苗，在{place}哪里可以预约",
        ),
    ),
    CategorySpec(
        "JY01",
        "学位与入学",
        "JY",
        "EP003",
        False,
        "学位,入学,转学,招生",
        (
            "C|孩子今年上小学，户口在{place}，请问怎么申请学位，需要哪些材料",
            "P|{place}{school}招生时要求家长缴纳赞助费{amount}元",
            "C|外地务工人员子女在恩平读初中需要什么条件",
        ),
    ),
    CategorySpec(
        "JY02",
        "校外培训与学校管理",
        "JY",
        "EP003",
        False,
        "培训机构,补课,学校,收费",
        (
            "R|{street}有培训机构在周末违规开展学科类补课，每期收费{amount}元",
            "P|{school}要求学生统一购买校服和教辅，价格偏高",
        ),
    ),
    CategorySpec(
        "SB01",
        "社保参保与缴费",
        "SB",
        "EP008",
        False,
        "社保,养老保险,缴费,退休",
        (
            "C|请问灵活就业人员在恩平怎么缴纳养老保险，每月交多少",
            "C|本人明年退休，之前在外地交过{years}年社保，怎么转移到恩平",
            "P|{company}没有按时给员工缴纳社保，已经断缴{months}个月",
        ),
    ),
    CategorySpec(
        "SB02",
        "医保报销",
        "SB",
        "EP021",
        False,
        "医保,报销,异地就医,门诊",
        (
            "C|在广州住院花了{amount}元，回恩平怎么办理医保报销",
            "C|请问异地就医备案怎么办，可以在手机上办吗",
            "P|医保报销材料交了{duration}还没有到账",
        ),
    ),
    CategorySpec(
        "HJ01",
        "户口迁移与登记",
        "HJ",
        "EP004",
        False,
        "户口,迁移,落户,户籍",
        (
            "C|请问从外省迁户口到{place}需要什么材料",
            "C|孩子出生在广州，能不能在{place}派出所办理出生登记落户",
        ),
    ),
    CategorySpec(
        "HJ02",
        "身份证与证件",
        "HJ",
        "EP004",
        False,
        "身份证,补办,居住证,临时身份证",
        (
            "C|身份证丢了，在恩平补办需要多久，可以办临时身份证吗",
            "C|请问居住证在{place}哪里办理，需要带什么",
        ),
    ),
    CategorySpec(
        "ST01",
        "水污染",
        "ST",
        "EP009",
        False,
        "污水,排污,河水,发黑",
        (
            "R|{place}{village}附近的{company}往锦江河偷排污水，河水发黑发臭",
            "R|{place}有养殖场的污水直接排进鱼塘和水渠，气味难闻",
            "P|{place}{spot}的小河已经{duration}都是黑色的，鱼都死了",
        ),
        ("EP012",),
    ),
    CategorySpec(
        "ST02",
        "大气污染与异味",
        "ST",
        "EP009",
        False,
        "废气,烟尘,异味,粉尘",
        (
            "R|{place}{company}每天晚上{late}排放刺鼻废气，附近居民头晕",
            "P|{place}石场粉尘很大，周边房屋和农作物都蒙上一层灰",
        ),
    ),
    CategorySpec(
        "ST03",
        "秸秆与垃圾焚烧",
        "ST",
        "EP009",
        False,
        "焚烧,烧垃圾,烧秸秆,浓烟",
        (
            "R|{place}{village}有人在田里焚烧秸秆，浓烟滚滚",
            "R|{place}{spot}每天傍晚有人露天焚烧垃圾和塑料",
        ),
        ("EP013",),
    ),
    CategorySpec(
        "NY01",
        "农资与农业生产",
        "NY",
        "EP013",
        False,
        "化肥,种子,农药,农机",
        (
            "P|在{place}农资店买的种子发芽率不到一半，损失{amount}元",
            "C|请问{place}种植簕菜有没有补贴，怎么申请",
            "C|购买农机有补贴吗，在哪里申请",
        ),
    ),
    CategorySpec(
        "NY02",
        "动物防疫与养殖",
        "NY",
        "EP013",
        False,
        "养殖,生猪,防疫,病死",
        (
            "R|{place}{village}有人把病死猪扔在河边，非常臭",
            "C|养殖户想咨询{place}生猪养殖需要办理什么手续",
        ),
        ("EP009",),
    ),
    CategorySpec(
        "LY01",
        "林木砍伐",
        "LY",
        "EP024",
        False,
        "砍树,滥伐,林地,林木",
        (
            "R|{place}{village}后山有人滥砍滥伐，已经砍了{count}多棵大树",
            "C|自家承包山上的桉树要砍伐，需要办理采伐证吗",
        ),
        ("EP023",),
    ),
    CategorySpec(
        "LY02",
        "森林防火",
        "LY",
        "EP024",
        False,
        "山火,防火,烧山,野外用火",
        (
            "R|{place}{village}附近山上冒烟，可能有人烧山，请尽快派人查看",
            "S|建议清明期间在{place}山区路口增加森林防火检查点",
        ),
        ("EP018",),
    ),
    CategorySpec(
        "SL01",
        "河道堤防",
        "SL",
        "EP012",
        False,
        "河堤,河道,水闸,堤坝",
        (
            "H|{place}{village}段的河堤出现裂缝，雨季快到了担心决堤",
            "R|{place}有人在锦江河道非法采砂，每天{time}开工",
        ),
    ),
    CategorySpec(
        "SL02",
        "内涝积水",
        "SL",
        "EP012",
        False,
        "水浸,积水,内涝,排水",
        (
            "H|{street}一下大雨就水浸街，积水到膝盖，商铺都进水了",
            "P|{place}{spot}排水渠堵塞，暴雨后积水{duration}都退不了",
        ),
        ("EP010", "EP022"),
    ),
    CategorySpec(
        "JT01",
        "公交服务",
        "JT",
        "EP011",
        False,
        "公交,班次,公交车,站点",
        (
            "S|建议增加恩城到{place}的公交班次，现在{duration}才一班",
            "P|{route}路公交司机开车太猛，乘客差点摔倒，车牌{plate}",
            "P|{place}公交站牌上的时刻表和实际不符，等了{duration}都没车",
        ),
    ),
    CategorySpec(
        "JT02",
        "出租车与网约车",
        "JT",
        "EP011",
        False,
        "出租车,的士,拒载,绕路",
        (
            "P|在恩平站打出租车，司机拒载还要求一口价{amount}元，车牌{plate}",
            "P|出租车司机故意绕路，从{landmark}到{street}收了{amount}元",
        ),
    ),
    CategorySpec(
        "ZF01",
        "住房公积金",
        "ZF",
        "EP027",
        False,
        "公积金,提取,贷款",
        (
            "C|请问在恩平买房怎么提取住房公积金，需要什么材料",
            "C|公积金贷款额度怎么计算，最多能贷多少",
            "P|公积金提取申请提交{duration}了还没到账",
        ),
    ),
    CategorySpec(
        "ZF02",
        "保障性住房与房地产",
        "ZF",
        "EP010",
        False,
        "公租房,保障房,楼盘,交楼",
        (
            "C|请问{place}公租房怎么申请，收入有什么要求",
            "P|在{place}买的楼盘逾期{months}个月还没交楼，开发商不给说法",
        ),
    ),
    CategorySpec(
        "ZF03",
        "不动产登记",
        "ZF",
        "EP023-01",
        False,
        "房产证,不动产,过户,登记",
        (
            "C|二手房过户需要带什么材料，在恩平哪里办理",
            "P|买房{years}年了开发商还没办房产证",
        ),
    ),
    CategorySpec(
        "SC01",
        "无证经营",
        "SC",
        "EP020",
        False,
        "无证,营业执照,黑作坊",
        (
            "R|{place}{spot}有一家黑作坊无证生产食品，卫生条件很差",
            "R|{street}{shop}没有营业执照也在经营",
        ),
    ),
    CategorySpec(
        "SC02",
        "价格与计量",
        "SC",
        "EP020",
        False,
        "价格,缺斤少两,明码标价,涨价",
        (
            "P|{place}菜市场有摊主缺斤少两，一斤只有{small}两",
            "P|{street}{shop}不明码标价，结账时乱收费",
        ),
    ),
    CategorySpec(
        "AQ01",
        "安全生产隐患",
        "AQ",
        "EP018",
        False,
        "安全隐患,危化品,工厂,事故",
        (
            "R|{company}工人没有任何防护措施在高空作业，存在重大安全隐患",
            "R|{place}有工厂违规储存危险化学品，离居民区不到{meters}米",
        ),
    ),
    CategorySpec(
        "AQ02",
        "消防隐患",
        "AQ",
        "EP032",
        False,
        "消防,消防通道,灭火器,电动车充电",
        (
            "R|{place}某小区消防通道被杂物堵塞，消防栓没有水",
            "R|{street}出租屋里很多电动车在楼道充电，非常危险",
        ),
        ("EP018",),
    ),
    CategorySpec(
        "MZ01",
        "低保与救助",
        "MZ",
        "EP005",
        False,
        "低保,救助,困难,特困",
        (
            "H|本人家住{place}{village}，家里老人重病，生活困难，想申请低保",
            "C|请问临时救助怎么申请，需要什么材料",
        ),
    ),
    CategorySpec(
        "MZ02",
        "养老服务",
        "MZ",
        "EP005",
        False,
        "养老院,老人,高龄津贴,居家养老",
        (
            "C|{place}有没有公办养老院，收费标准是多少",
            "C|家里老人{age}岁了，高龄津贴怎么申请",
            "P|{place}养老院护工虐待老人，要求调查",
        ),
    ),
    CategorySpec(
        "TY01",
        "退役军人服务",
        "TY",
        "EP017",
        False,
        "退役军人,优抚,伤残,军人",
        (
            "C|退役军人在恩平有什么就业优惠政策",
            "H|本人是退役军人，优抚金{months}个月没有发放",
        ),
    ),
    CategorySpec(
        "WL01",
        "景区与旅游",
        "WL",
        "EP015",
        False,
        "景区,温泉,门票,旅游",
        (
            "P|在锦江温泉景区门票和宣传不一样，多收了{amount}元",
            "P|{landmark}景区厕所太少太脏，游客体验很差",
            "S|建议在{landmark}增设停车位和指示牌",
        ),
        ("EP020",),
    ),
    CategorySpec(
        "WL02",
        "文化体育设施",
        "WL",
        "EP015",
        False,
        "图书馆,体育馆,文化活动,球场",
        (
            "S|建议恩平体育馆晚上延长开放时间到{late}",
            "P|{place}文化室的健身器材坏了{duration}没人修",
        ),
    ),
    CategorySpec(
        "QY01",
        "惠企政策",
        "QY",
        "EP014",
        False,
        "惠企,补贴,扶持资金,政策兑现",
        (
            "C|{company}是小微企业，想咨询今年有哪些惠企补贴政策，怎么申报",
            "P|{company}去年申报的扶持资金{amount}元到现在还没有拨付",
        ),
        ("EP002",),
    ),
    CategorySpec(
        "QY02",
        "融资与信贷",
        "QY",
        "EP002",
        False,
        "融资,贷款,信易贷,担保",
        (
            "H|{company}资金周转困难，想咨询信易贷平台怎么申请贷款",
            "H|我们是{place}的小微企业，银行贷款审批太慢，希望政府协调",
        ),
        ("EP014",),
    ),
    CategorySpec(
        "QY03",
        "营商环境",
        "QY",
        "EP001",
        False,
        "营商环境,审批,办事难,吃拿卡要",
        (
            "P|{company}办理项目审批跑了{count}次还没办好，材料反复要求补充",
            "S|建议把企业开办需要的材料在网上一次性说清楚",
        ),
    ),
    CategorySpec(
        "SW01",
        "税费与发票",
        "SW",
        "EP026",
        False,
        "发票,税务,退税,个税",
        (
            "C|个体户怎么在电子税务局开具发票",
            "C|请问个人所得税汇算清缴退税多久到账",
            "P|{shop}消费后拒绝开具发票",
        ),
    ),
    CategorySpec(
        "CJ01",
        "残疾人服务",
        "CJ",
        "EP030",
        False,
        "残疾证,残疾人,无障碍,补贴",
        (
            "C|请问残疾证在恩平怎么办理，需要做什么鉴定",
            "S|{street}的无障碍通道被占用，轮椅无法通行，建议整改",
        ),
    ),
    CategorySpec(
        "ZW01",
        "政务服务办事",
        "ZW",
        "EP001",
        False,
        "办事,政务服务中心,窗口,预约",
        (
            "C|请问恩平市政务服务中心周六上班吗，几点开门",
            "P|在政务服务中心{window}号窗口办事，工作人员态度不好",
            "S|建议{place}政务服务站增加自助机，现在只有一台",
        ),
    ),
)

VILLAGES: Final = (
    "歇马村",
    "大塘村",
    "龙塘村",
    "新龙村",
    "北安村",
    "石头村",
    "锦岗村",
    "平石村",
    "松柏村",
    "塘龙村",
    "莲塘村",
    "东安村",
    "横江村",
    "三山村",
    "白石村",
    "河东村",
)
STREETS: Final = (
    "新平路",
    "锦江大道",
    "恩城大道",
    "西门路",
    "北门路",
    "南堤路",
    "中山路",
    "东安路",
    "平石路",
    "沿江路",
    "牛江路",
    "新城路",
    "环城路",
    "兴平路",
)
LANDMARKS: Final = (
    "锦江温泉",
    "沙湖",
    "恩平体育馆",
    "冯如纪念馆",
    "鳌峰山",
    "七星坑",
    "帝都温泉",
    "恩平站",
    "汽车客运站",
    "锦江河",
    "恩平市人民医院",
    "恩城中学",
    "人民公园",
    "市民广场",
)
SPOTS: Final = (
    "市场旁边",
    "小区门口",
    "学校附近",
    "村口",
    "公园里",
    "大排档一条街",
    "桥底",
    "卫生院对面",
    "祠堂前",
    "十字路口",
)
SHOPS: Final = (
    "好又多超市",
    "鸿运茶餐厅",
    "福满楼酒家",
    "阿强烧腊店",
    "美美发廊",
    "金牌KTV",
    "新潮手机店",
    "康健药店",
    "乐购便利店",
    "百味粥粉面",
    "星光健身房",
    "佳美家电",
)
COMPANIES: Final = (
    "恩平市某电声科技有限公司",
    "某五金制品厂",
    "某建筑工程公司",
    "某陶瓷有限公司",
    "某塑料厂",
    "某物流公司",
    "某食品加工厂",
    "某家具厂",
    "某石材厂",
    "某纺织有限公司",
)
SCHOOLS: Final = ("某小学", "某中学", "某幼儿园", "某实验学校")
OPENINGS: Final = (
    "",
    "",
    "",
    "您好，",
    "市民来电反映：",
    "来电人称：",
    "网友留言：",
    "诉求人反映，",
    "你好，我想反映一个问题，",
    "群众来电：",
)
CLOSINGS: Final = (
    "",
    "",
    "希望有关部门尽快处理。",
    "请尽快核实处理。",
    "要求给予答复。",
    "多次反映未解决。",
    "希望尽快解决，谢谢。",
    "请相关部门跟进。",
)
VAGUE: Final = (
    "反映的问题一直没人管，要求有关部门处理。",
    "之前反映过的事情到现在还没有解决。",
    "对处理结果不满意，要求重新处理。",
    "有事情想咨询一下相关部门。",
)
TYPE_LETTERS: Final = {"C": T.CONSULT, "H": T.HELP, "P": T.COMPLAINT, "R": T.REPORT, "S": T.SUGGESTION}

#: Town code, name (from orgs.demo.TOWNS, repeated so this module needs no database).
TOWNS: Final = (
    ("440785001", "恩城街道"),
    ("440785100", "横陂镇"),
    ("440785101", "圣堂镇"),
    ("440785102", "良西镇"),
    ("440785103", "沙湖镇"),
    ("440785104", "牛江镇"),
    ("440785105", "君堂镇"),
    ("440785106", "大槐镇"),
    ("440785107", "东成镇"),
    ("440785108", "大田镇"),
    ("440785109", "那吉镇"),
    ("440785110", "朗底镇"),
)
URBAN_TOWN: Final = "440785001"


def department_for(spec: CategorySpec, town_code: str) -> str:
    """The responsible department of a category in a town (the dispatch catalogue's rule)."""
    if spec.town_local and town_code != URBAN_TOWN:
        return f"EP{town_code}"
    return spec.department


@dataclass
class SyntheticAppeal:
    text: str
    category: str
    department: str
    town: str
    appeal_type: str
    channel: str
    is_enterprise: bool = False
    extra: dict[str, str] = field(default_factory=dict)


_CHANNELS: Final = (
    (AppealChannel.HOTLINE, 55),
    (AppealChannel.WECHAT, 15),
    (AppealChannel.WEB, 10),
    (AppealChannel.APP, 6),
    (AppealChannel.GRID, 8),
    (AppealChannel.MAILBOX, 3),
    (AppealChannel.PATROL, 3),
)


def _fill(template: str, rng: random.Random, town_name: str, name_town: bool) -> str:
    place = town_name if name_town else rng.choice(("", "我们这里", "本地", "附近"))
    values = {
        "place": place,
        "spot": rng.choice(SPOTS),
        "street": rng.choice(STREETS),
        "street2": rng.choice(STREETS),
        "village": rng.choice(VILLAGES),
        "landmark": rng.choice(LANDMARKS),
        "shop": rng.choice(SHOPS),
        "company": rng.choice(COMPANIES),
        "school": rng.choice(SCHOOLS),
        "duration": rng.choice(
            ("三天", "一个星期", "半个月", "一个多月", "两天", "好几天", "两个小时", "大半年")
        ),
        "time": rng.choice(("早上六点", "中午", "下午三点", "晚上八点", "昨天", "今天上午", "前天")),
        "late": rng.choice(("十一点", "十二点", "十点", "十一点半")),
        "amount": str(rng.choice((80, 150, 300, 500, 1200, 2680, 5000, 18000, 36000))),
        "small": str(rng.randint(1, 8)),
        "count": str(rng.randint(2, 30)),
        "months": str(rng.randint(2, 8)),
        "years": str(rng.randint(2, 15)),
        "days": str(rng.randint(2, 20)),
        "age": str(rng.randint(80, 99)),
        "floors": str(rng.randint(2, 5)),
        "meters": str(rng.choice((50, 100, 200))),
        "seconds": str(rng.choice((8, 10, 12, 15))),
        "window": str(rng.randint(1, 30)),
        "route": str(rng.randint(1, 12)),
        "plate": f"粤J{rng.choice('ABCDEFGH')}{rng.randint(10000, 99999)}",
    }
    return template.format(**values)


def generate(count: int, *, seed: int = 2026) -> Iterator[SyntheticAppeal]:
    """``count`` synthetic appeals (see the module docstring); deterministic for a seed."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    channels = [c for c, _ in _CHANNELS]
    weights = [w for _, w in _CHANNELS]
    for _ in range(count):
        spec = rng.choice(LEAVES)
        town_code, town_name = rng.choice(TOWNS) if rng.random() > 0.3 else TOWNS[0]
        letter, template = rng.choice(spec.templates).split("|", 1)
        name_town = rng.random() > 0.3
        body = _fill(template, rng, town_name, name_town)
        roll = rng.random()
        if roll < 0.05:
            body = rng.choice(VAGUE) + (body[: len(body) // 3] if rng.random() < 0.5 else "")
        elif roll < 0.13:
            other = rng.choice(LEAVES)
            body = (
                body + "，另外" + _fill(rng.choice(other.templates).split("|", 1)[1], rng, town_name, False)
            )
        text = f"{rng.choice(OPENINGS)}{body}。{rng.choice(CLOSINGS)}".replace("。。", "。")
        department = department_for(spec, town_code)
        if spec.alternatives and rng.random() < 0.08:
            department = rng.choice(spec.alternatives)
        yield SyntheticAppeal(
            text=text,
            category=spec.code,
            department=department,
            town=town_code,
            appeal_type=TYPE_LETTERS[letter],
            channel=rng.choices(channels, weights)[0],
            is_enterprise=spec.parent == "QY" or (letter == "P" and "公司" in text and rng.random() < 0.3),
        )
