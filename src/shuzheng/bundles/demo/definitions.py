"""The demo city's 一件事 bundles: one line each — code, name, audience, theme, refusal rule, keywords,
and its items by name (a number after "<" is the position of the earlier item it waits for)."""

from __future__ import annotations

from typing import Any, Final

# code | name | audience | theme | refusal rule | keywords | items ("名称<1" waits for item 1)
BUNDLES: Final = """
xinshenger|新生儿出生一件事|person|birth|continue|新生儿 出生 上户口 医保 社保卡|出生登记（新生儿入户）;城乡居民基本医疗保险参保登记<1;社会保障卡申领<1
ruxue|义务教育入学一件事|person|school|stop|入学 小一 学位 报名|户籍证明开具;适龄儿童入学登记（小学一年级）<1
tuixiu|退休一件事|person|retirement|continue|退休 养老金 公积金 社保转移|城乡居民养老保险待遇申领;个人住房公积金提取（离职、退休提取）;城镇职工基本养老保险关系转移接续
shenhou|身后事一件事|person|death|continue|身后事 死亡 丧葬 抚恤 殡葬|户口注销（死亡注销）;丧葬补助金和抚恤金申领<1;基本殡葬服务费用减免
jiuyi-baoxiao|就医费用报销一件事|person|medical|continue|看病 报销 异地就医 门特|异地就医备案;医疗费用手工（零星）报销;门诊特定病种待遇认定
canji|残疾人服务一件事|person|disability|continue|残疾证 残疾补贴 护理补贴|残疾人证换领;困难残疾人生活补贴和重度残疾人护理补贴申领<1
ershoufang|二手房过户及水电过户一件事|person|housing|continue|二手房 过户 契税 用电|不动产登记（转移登记）;契税申报;低压用电报装（居民）<1
goufang|购房一件事|person|housing|stop|买房 网签 预告登记 公积金|商品房买卖合同网签备案;不动产登记（预告登记）<1;个人住房公积金提取（购房提取）
zufang|租房一件事|person|housing|continue|租房 公积金 公租房|个人住房公积金提取（租房提取）;公共租赁住房申请
shiye|失业保障一件事|person|work|continue|失业 失业金 再就业 培训|失业保险金申领;就业创业证申领;职业技能培训补贴申领
linghuo-jiuye|灵活就业一件事|person|work|continue|灵活就业 自由职业 社保缴费|就业创业证申领;灵活就业人员社会保险费缴纳
gaoling|高龄老人服务一件事|person|elderly|continue|高龄津贴 老人 养老保险|高龄津贴申领;城乡居民养老保险参保登记
cheliang|驾驶证和车辆年审一件事|person|travel|continue|驾照 年检 换证|机动车驾驶证换证（有效期满换证）;机动车检验合格标志核发
tuiyi|退役军人一件事|person|veteran|continue|退役 优待证 就业|退役军人优待证申领;就业创业证申领
jiuzhu|困难群众救助一件事|person|assistance|continue|低保 临时救助 困难|最低生活保障申请（低保申请）;临时救助申请
qiye-kaiban|企业开办一件事|enterprise|start|continue|开公司 企业开办 税务 公积金 社保|有限责任公司设立登记;新办纳税人“套餐式”服务<1;住房公积金单位缴存登记<1;单位参保登记（员工社会保险登记）<1
canyin|开办餐饮店一件事|enterprise|permits|continue|餐饮 饭店 开店 食品 卫生 消防|食品经营许可;公共场所卫生许可证核发;户外广告设施设置审批;公众聚集场所投入使用、营业前消防安全检查
yaodian|开办药店一件事|enterprise|permits|continue|药店 药房 医疗器械|药品零售企业许可（药品经营许可证核发）;第二类医疗器械经营备案
yule|开办娱乐场所一件事|enterprise|permits|continue|KTV 娱乐 消防 招牌|娱乐场所经营许可;公众聚集场所投入使用、营业前消防安全检查;户外广告设施设置审批
lvxingshe|开办旅行社一件事|enterprise|permits|continue|旅行社 旅游 招牌|旅行社设立许可;户外广告设施设置审批
yanglao|开办养老机构一件事|enterprise|start|continue|养老院 养老机构 卫生 消防|养老机构备案;公共场所卫生许可证核发;公众聚集场所投入使用、营业前消防安全检查
huoyun|开办货运物流一件事|enterprise|permits|continue|货运 物流 超限|道路货物运输经营许可;公路超限运输许可
yuangong|员工录用一件事|enterprise|employ|continue|招工 员工 社保 公积金|单位参保登记（员工社会保险登记）;住房公积金单位缴存登记
biangeng|企业信息变更一件事|enterprise|change|continue|变更 发票 地址 法定代表人|企业变更登记;增值税发票领用<1
zhuxiao|企业注销一件事|enterprise|exit|stop|注销 关闭 清税|完税证明开具;企业注销登记（简易注销）<1
gongcheng|工程建设许可一件事|enterprise|build|stop|报建 规划 施工许可|建设用地规划许可证核发;建设工程规划许可证核发<1;建筑工程施工许可证核发<2
huanping|环评排污一件事|enterprise|build|stop|环评 排污 许可|建设项目环境影响报告表审批;排污许可证核发<1
"""  # noqa: E501

#: Fields of the demo items' forms that a bundle asks once (the catalog demo's form shapes).
SHARED_CANDIDATES: Final[dict[str, dict[str, object]]] = {
    "phone": {"type": "string", "title": "联系电话", "format": "mobile", "x-personal": True},
    "reason": {"type": "string", "title": "申请事由", "maxLength": 500},
    "legal_representative": {"type": "string", "title": "法定代表人", "maxLength": 30},
    "business_address": {"type": "string", "title": "经营场所地址", "maxLength": 200},
    "bank_account": {"type": "string", "title": "收款银行卡号", "format": "bank-card", "x-personal": True},
    "household_size": {"type": "integer", "title": "家庭人口数", "minimum": 1, "maximum": 20},
}


def parse() -> list[dict[str, Any]]:
    rows = []
    for line in BUNDLES.strip().splitlines():
        code, name, audience, theme, rule, keywords, items = line.split("|")
        members = []
        for entry in items.split(";"):
            item, _, waits = entry.partition("<")
            members.append((item, int(waits) if waits else None))
        rows.append(
            {
                "code": code,
                "name": name,
                "audience": audience,
                "theme": theme,
                "refusal_rule": rule,
                "keywords": keywords,
                "members": members,
            }
        )
    return rows
