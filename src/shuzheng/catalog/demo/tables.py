"""The demo catalog's compact tables: guide groups, materials, one line per city / town / village item,
the written conditions of high-frequency items and the condition templates by item type."""

from __future__ import annotations

from typing import Final

from shuzheng.catalog.constants import HandlingMode, ItemType

#: (code, name, kind, audience)
GROUPS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("chusheng", "出生", "life_event", "person"),
    ("shangxue", "上学", "life_event", "person"),
    ("jiuye", "就业创业", "life_event", "person"),
    ("hunyu", "婚育", "life_event", "person"),
    ("zhufang", "住房", "life_event", "person"),
    ("huji", "户籍证件", "life_event", "person"),
    ("jiaotong", "交通出行", "life_event", "person"),
    ("yiliao", "医疗卫生", "life_event", "person"),
    ("shebao", "社会保障", "life_event", "person"),
    ("canji", "助残服务", "life_event", "person"),
    ("youdai", "优待抚恤", "life_event", "person"),
    ("falv", "法律服务", "life_event", "person"),
    ("nongcun", "农村生活", "life_event", "person"),
    ("tuixiu", "退休", "life_event", "person"),
    ("shenhou", "身后事", "life_event", "person"),
    ("kaiban", "开办企业", "topic", "enterprise"),
    ("jingying", "经营许可", "topic", "enterprise"),
    ("gongcheng", "工程建设", "topic", "enterprise"),
    ("nashui", "纳税缴费", "topic", "enterprise"),
    ("huanbao", "环境保护", "topic", "enterprise"),
    ("yunshu", "交通运输", "topic", "enterprise"),
    ("nongye", "农业生产", "topic", "enterprise"),
    ("zhuxiao", "企业注销", "topic", "enterprise"),
)

#: Material library: key -> (name, form, issued by government, electronic licence type).
MATERIALS: Final[dict[str, tuple[str, str, bool, str]]] = {
    "id": ("居民身份证", "original", True, "居民身份证"),
    "hukou": ("居民户口簿", "original", True, "居民户口簿"),
    "licence": ("营业执照", "copy", True, "营业执照"),
    "property": ("不动产权证书", "original", True, "不动产权证书"),
    "marriage": ("结婚证", "original", True, "结婚证"),
    "birthcert": ("出生医学证明", "original", True, "出生医学证明"),
    "driving": ("机动车驾驶证", "original", True, "机动车驾驶证"),
    "vehicle": ("机动车行驶证", "original", True, "机动车行驶证"),
    "disability": ("残疾人证", "original", True, "残疾人证"),
    "forest": ("林权证", "copy", True, "林权证"),
    "landplan": ("建设用地规划许可证", "copy", True, "建设用地规划许可证"),
    "buildplan": ("建设工程规划许可证", "copy", True, "建设工程规划许可证"),
    "permit": ("建筑工程施工许可证", "copy", True, "建筑工程施工许可证"),
    "health": ("从业人员健康证明", "copy", True, "健康证明"),
    "pharmacist": ("执业药师注册证", "copy", True, "执业药师注册证"),
    "doctor": ("医师资格证书", "copy", True, "医师资格证书"),
    "roadcert": ("道路运输从业资格证", "copy", True, "道路运输从业资格证"),
    "eia": ("环境影响评价文件批复", "copy", True, "环评批复"),
    "veteran": ("退出现役证或退伍证", "copy", True, ""),
    "militarydisability": ("中华人民共和国残疾军人证", "original", True, ""),
    "photo": ("近期免冠彩色证件照片", "original", False, ""),
    "receipt": ("数码相片回执（可在照相馆或自助机拍摄）", "original", False, ""),
    "premises": ("经营场所使用证明（产权证明或租赁合同）", "copy", False, ""),
    "bank": ("本人银行账户信息（社会保障卡金融账户或银行卡）", "copy", False, ""),
    "income": ("家庭经济状况核对授权书及收入申报表", "original", False, ""),
    "diagnosis": ("二级及以上医疗机构出具的诊断证明", "original", False, ""),
    "layout": ("经营场所平面图和设备布局图", "copy", False, ""),
    "foodrules": ("食品安全管理制度文本", "copy", False, ""),
    "staff": ("专业技术人员资格证明及聘用合同", "copy", False, ""),
    "contract": ("不动产买卖合同（网签）", "original", False, ""),
    "mortgage": ("抵押合同及主债权合同", "original", False, ""),
    "tax": ("完税或减免税凭证", "copy", False, ""),
    "design": ("设计方案或施工图设计文件", "copy", False, ""),
    "project": ("项目申请报告或可行性研究报告", "copy", False, ""),
    "safety": ("安全生产管理制度和应急预案", "copy", False, ""),
    "articles": ("公司章程", "original", False, ""),
    "statement": ("书面声明或承诺书", "original", False, ""),
    "invoice": ("购置发票及合格证明", "copy", False, ""),
    "insurance": ("机动车交通事故责任强制保险凭证", "copy", False, ""),
    "lease": ("房屋租赁合同", "copy", False, ""),
    "agent": ("授权委托书及受托人身份证件（委托办理时提交）", "original", False, ""),
}

TYPES: Final = {
    "XK": ItemType.LICENSING,
    "JF": ItemType.BENEFIT,
    "QR": ItemType.CONFIRMATION,
    "CJ": ItemType.ADJUDICATION,
    "JL": ItemType.REWARD,
    "QT": ItemType.OTHER_POWER,
    "GG": ItemType.PUBLIC_SERVICE,
}
MODES: Final = {
    "i": HandlingMode.INSTANT,
    "o": HandlingMode.ONLINE,
    "n": HandlingMode.NEARBY,
    "v": HandlingMode.ONE_VISIT,
}
AUDIENCE: Final = {"p": ["person"], "e": ["enterprise"], "pe": ["person", "enterprise"]}

# One line per city item:
# department | name | type | audience | statutory | promised | visits | modes | flags | groups | keywords |
# materials | legal basis | fee
# flags: H high-frequency, X 跨省通办, W specialised window only (not 一窗); materials: library keys or
# literal names, "?" marks a conditional (容缺) material.
CITY_ITEMS: Final = """
EP001|政府信息依申请公开|QT|pe|20|15|0|o||falv|信息公开 政府信息|id,申请公开的政府信息内容描述|《中华人民共和国政府信息公开条例》第二十七条、第三十三条|
EP001|公共资源交易市场主体信息登记|GG|e|5|2|0|ov||kaiban|招投标 交易 投标人 入库|licence,法定代表人授权书|《广东省公共资源交易监督管理暂行办法》|
EP002|企业投资项目备案|QT|e|3|1|0|ov|H|gongcheng kaiban|投资 备案 项目 立项|licence,项目基本情况|《企业投资项目核准和备案管理条例》第十三条|
EP002|企业投资项目核准|XK|e|20|10|1|ov||gongcheng|核准 立项|licence,project,选址意见书或用地预审意见|《企业投资项目核准和备案管理条例》第六条|
EP002|固定资产投资项目节能审查|XK|e|20|10|1|ov||gongcheng|节能 能评|licence,节能报告|《固定资产投资项目节能审查办法》第五条|
EP003|教师资格认定|XK|p|60|20|1|ov|HX|jiuye|教师资格证 老师|id,photo,学历证书,体检合格证明,普通话水平测试等级证书|《中华人民共和国教师法》第十三条；《教师资格条例》第十三条|
EP003|民办学校设立审批（民办幼儿园）|XK|e|90|30|1|v||shangxue|幼儿园 办学 民办学校|licence,办学章程,premises,staff|《中华人民共和国民办教育促进法》第十二条|
EP003|义务教育阶段学生转学|GG|p|10|5|0|on|H|shangxue|转学 插班 学籍|id,hukou,原就读学校学籍证明|《中小学生学籍管理办法》第十四条|
EP003|适龄儿童入学登记（小学一年级）|GG|p|20|10|0|o|H|shangxue chusheng|入学 报名 小一 学位|id,hukou,?property,?lease|《中华人民共和国义务教育法》第十二条|
EP003|家庭经济困难学生资助申请|JF|p|30|15|0|on||shangxue shebao|助学金 资助 贫困生|id,hukou,家庭经济困难认定申请表|《学生资助资金管理办法》|
EP004|居民身份证换领|QR|p|60|15|1|nv|HXW|huji|身份证 换证 到期 过期|hukou,receipt,原居民身份证|《中华人民共和国居民身份证法》第八条、第十条|居民身份证工本费每证20元（发改价格〔2003〕2322号）
EP004|居民身份证挂失补领|QR|p|60|15|1|nv|HXW|huji|身份证 丢失 补办 补证|hukou,receipt|《中华人民共和国居民身份证法》第十一条|居民身份证工本费每证20元（发改价格〔2003〕2322号）
EP004|临时居民身份证办理|QR|p|3|0|1|in|HW|huji|临时身份证|hukou,photo|《中华人民共和国临时居民身份证管理办法》第四条|临时居民身份证工本费每证10元
EP004|户口迁移（市内迁移）|QR|p|20|5|1|nv|HW|huji zhufang|迁户口 落户 户口迁入|id,hukou,property|《中华人民共和国户口登记条例》第十条、第十三条|
EP004|出生登记（新生儿入户）|QR|p|10|3|0|onv|HX|chusheng huji|新生儿 上户口 报户口 入户|birthcert,hukou,marriage,id|《中华人民共和国户口登记条例》第七条|
EP004|往来港澳通行证及签注签发|XK|p|15|7|1|nv|HXW|huji|港澳通行证 签注 回乡 港澳|id,receipt|《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》第五条|往来港澳通行证每证60元，签注每次15元
EP004|户籍证明开具|QR|p|5|0|0|io|HW|huji|户籍证明 户口证明|id|《中华人民共和国户口登记条例》第三条|
EP004|无犯罪记录证明开具|GG|p|3|1|0|o|HX|jiuye|无犯罪 证明 政审|id|《公安机关办理犯罪记录查询工作规定》第六条|
EP004-01|机动车驾驶证换证（有效期满换证）|XK|p|5|0|0|ion|HXW|jiaotong|驾照 驾驶证 到期 换证|driving,县级或者部队团级以上医疗机构出具的身体条件证明,photo|《中华人民共和国道路交通安全法》第十九条；《机动车驾驶证申领和使用规定》第六十九条|机动车驾驶证工本费每证10元
EP004-01|机动车驾驶证补领|XK|p|5|1|1|in|HXW|jiaotong|驾照 丢失 补办|id,photo|《机动车驾驶证申领和使用规定》第七十二条|机动车驾驶证工本费每证10元
EP004-01|机动车注册登记|QR|pe|5|2|1|nv|HW|jiaotong|上牌 新车 号牌|id,invoice,insurance,车辆购置税完税证明|《机动车登记规定》第十一条|号牌工本费每副100元，行驶证每证10元
EP004-01|机动车检验合格标志核发|QT|pe|5|0|0|io|HXW|jiaotong|年检 年审 车检 免检|vehicle,insurance|《中华人民共和国道路交通安全法》第十三条|
EP004-01|机动车转移登记|QR|pe|5|1|1|nv|W|jiaotong|过户 二手车|id,vehicle,二手车销售统一发票|《机动车登记规定》第二十五条|
EP005|婚姻登记（结婚登记）|QR|p|1|0|1|inv|HX|hunyu|结婚 领证 登记结婚|hukou,id,近期半身免冠合影照片,statement|《中华人民共和国民法典》第一千零四十九条；《婚姻登记条例》第四条|
EP005|婚姻登记（离婚登记）|QR|p|30|30|2|v||hunyu|离婚 协议离婚|hukou,id,marriage,离婚协议书|《中华人民共和国民法典》第一千零七十六条、第一千零七十七条|
EP005|补领婚姻登记证|QR|p|1|0|1|in|HX|hunyu|补领结婚证 补办结婚证|id,hukou,photo|《婚姻登记条例》第十七条|
EP005|社会团体成立登记|XK|e|60|30|1|ov||kaiban|社团 协会 商会|章程草案,会员名单,住所使用证明,业务主管单位批准文件|《社会团体登记管理条例》第十一条|
EP005|民办非企业单位（社会服务机构）成立登记|XK|e|60|30|1|ov||kaiban|民非 社会服务机构|章程草案,验资报告,premises|《民办非企业单位登记管理暂行条例》第九条|
EP005|基本殡葬服务费用减免|JF|p|15|5|0|on||shenhou|殡葬 火化 丧葬费|id,hukou,居民死亡医学证明（推断）书|《殡葬管理条例》；《广东省殡葬管理规定》|
EP005|养老机构备案|QT|e|5|1|0|o||kaiban jingying|养老院 养老机构|licence,premises,消防验收或备案证明|《中华人民共和国老年人权益保障法》第四十三条|
EP006|法律援助申请|GG|p|7|3|0|on|H|falv|法律援助 打官司 免费律师|id,经济困难状况说明表,与所申请事项有关的材料|《中华人民共和国法律援助法》第四十一条、第四十三条|
EP006|人民调解申请|GG|pe|30|15|1|n||falv|调解 纠纷|id,纠纷情况说明|《中华人民共和国人民调解法》第十七条|
EP006|公证服务（亲属关系、出生公证）|GG|p|15|5|1|nv|X|falv hunyu|公证 亲属关系 出生公证 华侨|id,hukou,亲属关系证明材料|《中华人民共和国公证法》第十一条|按《广东省公证服务收费标准》收取
EP007|政府采购供应商投诉处理|CJ|e|30|20|1|o||jingying|政府采购 投诉|licence,投诉书,质疑及答复材料|《中华人民共和国政府采购法》第五十六条|
EP007|代理记账机构设立审批|XK|e|20|10|0|ov||kaiban jingying|代理记账 会计|licence,staff,premises|《中华人民共和国会计法》第三十六条；《代理记账管理办法》第三条|
EP008|城乡居民养老保险参保登记|GG|p|5|0|0|ion|HX|shebao tuixiu|养老保险 居民社保 参保 社保|id,hukou|《中华人民共和国社会保险法》第二十条；《国务院关于建立统一的城乡居民基本养老保险制度的意见》|
EP008|城乡居民养老保险待遇申领|JF|p|20|5|0|on|HX|tuixiu shebao|养老金 退休 领钱|id,bank|《中华人民共和国社会保险法》第二十一条|
EP008|城镇职工基本养老保险关系转移接续|GG|p|45|15|0|o|HX|tuixiu jiuye|社保转移 转社保|id,参保缴费凭证|《城镇企业职工基本养老保险关系转移接续暂行办法》第八条|
EP008|失业保险金申领|JF|p|10|5|0|on|HX|jiuye shebao|失业金 失业保险|id,bank,解除或终止劳动关系证明|《失业保险条例》第十四条、第十六条|
EP008|就业创业证申领|GG|p|5|0|0|io|HX|jiuye|就业失业登记证 就业创业证|id,photo|《就业服务与就业管理规定》第六十三条|
EP008|职业技能培训补贴申领|JF|p|30|15|0|o||jiuye|培训补贴 技能提升|id,职业资格或技能等级证书,bank|《职业技能提升行动专账资金使用管理办法》|
EP008|劳动人事争议仲裁申请|CJ|pe|45|45|1|v||jiuye falv|劳动仲裁 欠薪 工资|id,仲裁申请书,劳动关系证明材料|《中华人民共和国劳动争议调解仲裁法》第二十八条、第二十九条|
EP008|社会保障卡申领|GG|p|20|10|0|on|HX|shebao|社保卡 申领社保卡|id,receipt|《社会保障卡管理办法》|
EP008|人力资源服务许可|XK|e|20|5|0|ov||kaiban jingying|人力资源 中介 职介|licence,premises,staff|《人力资源市场暂行条例》第十八条|
EP009|建设项目环境影响报告表审批|XK|e|30|10|0|ov||gongcheng huanbao|环评 环境影响|licence,环境影响报告表|《中华人民共和国环境影响评价法》第二十二条|
EP009|排污许可证核发|XK|e|20|10|0|o||huanbao|排污许可 排污证|licence,eia,自行监测方案|《排污许可管理条例》第十四条|
EP009|建设项目环境影响登记表备案|QT|e|1|0|0|io||gongcheng huanbao|环评备案 登记表|licence|《建设项目环境影响登记表备案管理办法》第三条|
EP009|固定污染源排污登记|QT|e|1|0|0|io||huanbao|排污登记|licence|《排污许可管理条例》第二十四条|
EP010|建筑工程施工许可证核发|XK|e|15|3|0|ov|H|gongcheng|施工许可 开工 报建|licence,buildplan,施工合同,质量安全监督手续|《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》第四条|
EP010|房屋建筑和市政基础设施工程竣工验收备案|QT|e|15|5|0|o||gongcheng|竣工验收 备案|licence,permit,竣工验收报告|《房屋建筑和市政基础设施工程竣工验收备案管理办法》第四条|
EP010|商品房预售许可|XK|e|10|5|1|ov||gongcheng zhufang|预售证 楼盘 开发商|licence,property,buildplan,permit|《城市商品房预售管理办法》第六条|
EP010|建筑业企业资质核准（施工总承包三级）|XK|e|20|10|0|o||kaiban jingying|建筑资质 资质证书|licence,staff|《建筑业企业资质管理规定》第九条|
EP010|公共租赁住房申请|GG|p|30|20|0|on|H|zhufang shebao|公租房 廉租房 保障房|id,hukou,income,住房情况声明|《公共租赁住房管理办法》第七条|
EP010|燃气经营许可证核发|XK|e|20|10|1|v||jingying|燃气 液化气|licence,safety,staff|《城镇燃气管理条例》第十五条|
EP010|商品房买卖合同网签备案|QT|pe|3|0|0|io|H|zhufang|网签 备案 购房合同|id,contract|《城市房地产管理法》第四十五条|
EP011|道路旅客运输经营许可|XK|e|20|10|1|ov||yunshu|客运 班线|licence,车辆情况说明,驾驶人员从业资格证明,safety|《中华人民共和国道路运输条例》第十条|
EP011|道路货物运输经营许可|XK|e|20|5|0|ov|H|yunshu kaiban|货运 道路运输证 物流|licence,vehicle,roadcert,safety|《中华人民共和国道路运输条例》第二十四条|
EP011|道路运输从业人员从业资格证核发（货运驾驶员）|XK|p|10|5|1|nv|HX|jiuye jiaotong|从业资格证 货车司机|id,driving,photo|《道路运输从业人员管理规定》第九条|
EP011|网络预约出租汽车驾驶员证核发|XK|p|20|10|1|v||jiuye jiaotong|网约车 出租车 滴滴|id,driving,无犯罪记录证明|《网络预约出租汽车经营服务管理暂行办法》第十四条|
EP011|公路超限运输许可|XK|e|5|2|0|o||yunshu|超限 大件运输|licence,vehicle,运输方案|《公路安全保护条例》第三十五条|
EP012|取水许可|XK|e|45|20|1|ov||gongcheng nongye|取水 水资源|licence,建设项目水资源论证报告|《取水许可和水资源费征收管理条例》第十一条|
EP012|河道管理范围内建设项目工程建设方案审批|XK|e|20|10|1|ov||gongcheng|河道 涉河 堤防|licence,design,防洪评价报告|《中华人民共和国水法》第三十八条|
EP012|生产建设项目水土保持方案审批|XK|e|20|10|0|ov||gongcheng huanbao|水保 水土保持|licence,水土保持方案报告书|《中华人民共和国水土保持法》第二十五条|
EP012|河道采砂许可|XK|e|20|10|1|ov||jingying|采砂 河砂|licence,采砂作业方案|《广东省河道采砂管理条例》第十五条|
EP013|农药经营许可|XK|e|20|10|1|ov||jingying nongye|农药店 农资|licence,staff,premises|《农药管理条例》第二十四条|
EP013|兽药经营许可|XK|e|20|10|1|ov||jingying nongye|兽药 饲料|licence,staff,premises|《兽药管理条例》第二十二条|
EP013|动物防疫条件合格证核发|XK|e|20|10|1|ov||nongye|养殖场 防疫|licence,layout,动物防疫管理制度|《中华人民共和国动物防疫法》第二十五条|
EP013|农机购置与应用补贴申领|JF|pe|30|15|0|on|H|nongye nongcun|农机补贴 拖拉机|id,invoice,bank|《农业机械购置补贴实施指导意见》|
EP013|渔业捕捞许可|XK|pe|20|10|1|nv||nongye nongcun|捕捞证 渔船 打鱼|id,渔业船舶检验证书|《中华人民共和国渔业法》第二十三条|
EP013|农作物种子经营备案|QT|e|5|1|0|o||nongye jingying|种子 种子店|licence|《中华人民共和国种子法》第三十八条|
EP014|对外贸易经营者备案登记|QT|e|5|1|0|o|H|kaiban jingying|外贸 进出口 备案|licence|《中华人民共和国对外贸易法》第九条|
EP014|成品油零售经营资格审批（初审）|XK|e|20|10|1|v||jingying|加油站 成品油|licence,safety,规划选址意见|《成品油市场管理办法》|
EP014|单用途商业预付卡发卡企业备案|QT|e|5|1|0|o||jingying|预付卡 会员卡 储值卡|licence|《单用途商业预付卡管理办法（试行）》第七条|
EP014|再生资源回收经营者备案|QT|e|5|1|0|o||jingying|废品回收 再生资源|licence|《再生资源回收管理办法》第七条|
EP015|娱乐场所经营许可|XK|e|20|10|1|ov||jingying|KTV 歌舞厅 娱乐场所|licence,premises,layout|《娱乐场所管理条例》第九条|
EP015|互联网上网服务营业场所经营许可|XK|e|20|10|1|v||jingying|网吧 网咖|licence,premises,消防安全检查合格证明|《互联网上网服务营业场所管理条例》第十条|
EP015|旅行社设立许可|XK|e|20|10|0|ov||kaiban jingying|旅行社 旅游|licence,premises,staff,质量保证金存缴证明|《旅行社条例》第六条|
EP015|营业性演出许可|XK|e|3|2|0|o||jingying|演出 演唱会 晚会|licence,演出协议,节目及其视听资料|《营业性演出管理条例》第十三条|
EP015|高危险性体育项目经营许可（游泳）|XK|e|30|10|1|v||jingying|游泳池 泳池|licence,社会体育指导人员和救助人员资格证明,safety|《全民健身条例》第三十二条|
EP016|出生医学证明首次签发|GG|p|5|1|1|in|HX|chusheng|出生证 出生医学证明 新生儿|id,marriage,分娩记录|《中华人民共和国母婴保健法》第二十三条|
EP016|出生医学证明补发、换发|GG|p|20|10|1|nv|H|chusheng|出生证 补办 换发|id,birthcert,statement|《关于进一步加强出生医学证明管理的通知》|
EP016|公共场所卫生许可证核发|XK|e|20|5|0|ov|H|jingying kaiban|卫生许可证 美容美发 酒店 宾馆|licence,layout,health,卫生管理制度|《公共场所卫生管理条例》第八条|
EP016|诊所备案|QT|e|1|0|0|ov||kaiban jingying|诊所 门诊部 医疗机构|licence,doctor,premises|《医疗机构管理条例》第十一条|
EP016|医师执业注册|XK|p|20|10|0|o||jiuye|医师执业证 医生|id,doctor,photo,医疗机构聘用证明|《中华人民共和国医师法》第十三条|
EP016|生育登记|GG|p|1|0|0|io|HX|hunyu chusheng|生育登记 准生证 怀孕|id,marriage|《广东省人口与计划生育条例》第十八条|
EP016|计划生育家庭特别扶助金申领|JF|p|30|20|1|n||shebao tuixiu|失独 扶助金 特扶|id,hukou,子女死亡或伤残证明|《广东省人口与计划生育条例》第四十二条|
EP017|退役军人优待证申领|GG|p|30|15|0|on|H|youdai|优待证 退伍军人 军人|id,veteran,photo|《中华人民共和国退役军人保障法》第六十三条；《退役军人、其他优抚对象优待证管理办法（试行）》|
EP017|退役士兵自主就业一次性经济补助金发放|JF|p|30|15|1|v||youdai jiuye|退伍费 补助金|id,veteran,bank|《退役士兵安置条例》第十九条|
EP017|伤残抚恤关系接收、转移|QT|p|30|15|1|v||youdai|伤残证 抚恤|id,militarydisability,hukou|《伤残抚恤管理办法》第二十二条|
EP017|烈士遗属、因公牺牲军人遗属定期抚恤金发放|JF|p|30|20|1|n||youdai shenhou|抚恤金 遗属|id,hukou,亲属关系证明,bank|《军人抚恤优待条例》第十六条|
EP018|危险化学品经营许可（不带储存）|XK|e|30|10|1|ov||jingying|危化品 危险化学品|licence,safety,staff|《危险化学品安全管理条例》第三十三条|
EP018|烟花爆竹经营（零售）许可|XK|pe|20|10|1|v||jingying|烟花 爆竹 过年|licence,premises,safety|《烟花爆竹安全管理条例》第十九条|
EP018|生产经营单位生产安全事故应急预案备案|QT|e|20|5|0|o||jingying|应急预案 安全生产|licence,safety|《生产安全事故应急条例》第七条|
EP020|个体工商户设立登记|XK|p|15|1|0|iovn|HX|kaiban jiuye jingying|个体户 营业执照 个体户开业 领营业执照|id,premises|《促进个体工商户发展条例》第八条；《中华人民共和国市场主体登记管理条例》第三条|
EP020|个体工商户变更登记|XK|p|15|1|0|io|HX|jingying|个体户 变更 营业执照 改名 改地址|id,licence|《中华人民共和国市场主体登记管理条例》第二十四条|
EP020|个体工商户注销登记|XK|p|15|1|0|io|H|zhuxiao|个体户 注销 营业执照 关店|id,licence|《中华人民共和国市场主体登记管理条例》第三十一条|
EP020|有限责任公司设立登记|XK|e|15|1|0|ov|HX|kaiban|开公司 注册公司 营业执照 企业开办|id,articles,premises,股东主体资格证明|《中华人民共和国公司法》第二十九条；《中华人民共和国市场主体登记管理条例》第三条|
EP020|企业变更登记|XK|e|15|1|0|o|H|jingying|变更 法定代表人 地址 经营范围|licence,股东会决议|《中华人民共和国市场主体登记管理条例》第二十四条|
EP020|企业注销登记（简易注销）|XK|e|20|3|0|o|H|zhuxiao|注销 公司注销 简易注销|licence,全体投资人承诺书|《中华人民共和国市场主体登记管理条例》第三十三条|
EP020|食品经营许可|XK|pe|20|5|0|ov|HX|jingying kaiban|食品经营 餐饮 小卖部 食品店 奶茶 饭店|licence,layout,foodrules,health|《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》第八条|
EP020|食品小作坊登记|XK|p|15|10|1|v||jingying|小作坊 食品加工|id,licence,layout|《广东省食品生产加工小作坊和食品摊贩管理条例》第九条|
EP020|药品零售企业许可（药品经营许可证核发）|XK|e|30|15|1|ov|H|jingying|药店 药房 药品经营许可证|licence,pharmacist,premises,药品质量管理制度|《中华人民共和国药品管理法》第五十二条|
EP020|第二类医疗器械经营备案|QT|e|5|0|0|io||jingying|医疗器械 器械店|licence,premises|《医疗器械监督管理条例》第四十一条|
EP020|特种设备使用登记|XK|e|15|5|0|o||jingying|电梯 锅炉 叉车 特种设备|licence,特种设备产品合格证,监督检验证明|《中华人民共和国特种设备安全法》第三十三条|
EP021|城乡居民基本医疗保险参保登记|GG|p|5|0|0|ion|HX|shebao yiliao chusheng|医保 参保 居民医保 新生儿医保|id,hukou|《中华人民共和国社会保险法》第二十三条、第二十五条|
EP021|基本医疗保险关系转移接续|GG|p|15|10|0|o|HX|yiliao jiuye|医保转移 转医保|id,参保凭证|《基本医疗保障关系转移接续暂行办法》|
EP021|异地就医备案|GG|p|1|0|0|io|HX|yiliao|异地就医 备案 外地看病|id|《关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》|
EP021|门诊特定病种待遇认定|QR|p|15|10|0|on|H|yiliao|门特 慢性病 特定病种|id,diagnosis|《广东省基本医疗保险门诊特定病种管理办法》|
EP021|医疗费用手工（零星）报销|JF|p|30|20|1|on|HX|yiliao|报销 医药费 医疗费|id,医疗费用票据,费用明细清单,bank|《中华人民共和国社会保险法》第二十九条|
EP022|城市建筑垃圾处置核准|XK|e|20|5|0|o||gongcheng|余泥渣土 建筑垃圾|licence,运输合同,消纳场所证明|《城市建筑垃圾管理规定》第七条|
EP022|户外广告设施设置审批|XK|e|20|5|0|ov||jingying|户外广告 招牌 广告牌|licence,design,设置地点产权证明|《广东省城乡生活垃圾管理条例》；《城市市容和环境卫生管理条例》第十一条|
EP022|占用、挖掘城市道路审批|XK|e|20|5|1|o||gongcheng|挖路 占道 开挖|licence,施工方案,交通疏导方案|《城市道路管理条例》第二十九条、第三十一条|
EP022|城镇污水排入排水管网许可|XK|e|20|10|0|o||huanbao jingying|排水许可 排水证|licence,排水口设置及管网平面图|《城镇排水与污水处理条例》第二十一条|
EP023|建设项目用地预审与选址意见书核发|XK|e|20|10|0|ov||gongcheng|选址 用地预审|licence,project|《中华人民共和国土地管理法实施条例》第二十四条；《中华人民共和国城乡规划法》第三十六条|
EP023|建设用地规划许可证核发|XK|e|20|5|0|ov|H|gongcheng|用地规划 规划许可|licence,国有建设用地使用权出让合同|《中华人民共和国城乡规划法》第三十七条、第三十八条|
EP023|建设工程规划许可证核发|XK|e|20|5|0|ov|H|gongcheng|工规证 规划许可 报建|licence,landplan,design|《中华人民共和国城乡规划法》第四十条|
EP023|乡村建设规划许可证核发|XK|p|20|10|1|nv||zhufang nongcun|农村建房 乡村规划|id,宅基地批准文件,建房设计图|《中华人民共和国城乡规划法》第四十一条|
EP023|建设工程规划条件核实|QT|e|20|5|1|o||gongcheng|规划验收 规划核实|licence,buildplan,竣工测量报告|《中华人民共和国城乡规划法》第四十五条|
EP023-01|不动产登记（首次登记）|QR|pe|30|5|1|onv|H|zhufang gongcheng|房产证 不动产权证 首次登记 办证|id,土地权属证明,房屋竣工验收材料|《不动产登记暂行条例》第十四条、第二十条；《不动产登记暂行条例实施细则》|住宅每件80元，非住宅每件550元
EP023-01|不动产登记（转移登记）|QR|pe|30|3|1|onv|HX|zhufang|过户 二手房 买房 房产证|id,property,contract,tax|《不动产登记暂行条例》第十四条；《不动产登记暂行条例实施细则》第三十八条|住宅每件80元，非住宅每件550元
EP023-01|不动产登记（抵押登记）|QR|pe|30|1|0|on|H|zhufang|抵押 按揭 贷款 抵押登记|id,property,mortgage|《中华人民共和国民法典》第四百零二条；《不动产登记暂行条例实施细则》第六十五条|住宅每件80元，非住宅每件550元
EP023-01|不动产登记（变更登记）|QR|pe|30|3|1|o||zhufang|变更登记 更名|id,property,变更证明材料|《不动产登记暂行条例实施细则》第二十六条|
EP023-01|不动产登记（注销登记）|QR|pe|30|1|0|o||zhufang|注销抵押 注销登记|id,property,抵押权消灭证明|《不动产登记暂行条例实施细则》第二十八条|
EP023-01|不动产登记（更正登记）|QR|pe|30|10|1|v||zhufang|更正 错误|id,property,证实登记错误的材料|《不动产登记暂行条例实施细则》第七十九条|
EP023-01|不动产登记资料查询|GG|pe|1|0|0|io|HX|zhufang|查档 房产查询 产权查询|id|《不动产登记资料查询暂行办法》第十四条|
EP023-01|不动产登记（预告登记）|QR|pe|30|1|0|o||zhufang|预告登记 期房|id,contract|《中华人民共和国民法典》第二百二十一条|
EP024|林木采伐许可证核发|XK|pe|20|5|0|on||nongye nongcun|砍树 采伐证 林木采伐|id,forest,伐区调查设计|《中华人民共和国森林法》第五十六条|
EP024|使用林地审核（临时使用林地）|XK|e|20|10|1|ov||gongcheng|林地 占用林地|licence,使用林地可行性报告|《中华人民共和国森林法》第三十七条、第三十八条|
EP024|林草种子生产经营许可证核发|XK|e|20|10|1|ov||nongye|林木种苗 种子|licence,staff,premises|《中华人民共和国种子法》第三十一条|
EP025|统计资料查询服务|GG|pe|5|1|0|o||jingying|统计数据 统计年鉴|id|《中华人民共和国统计法》第二十四条|
EP026|增值税发票领用|QT|pe|1|0|0|io|HXW|nashui|发票 领票 发票领用|licence|《中华人民共和国发票管理办法》第十五条|
EP026|个人所得税综合所得汇算清缴|QT|p|1|0|0|io|HXW|nashui jiuye|个税 退税 汇算|id|《中华人民共和国个人所得税法》第十一条|
EP026|新办纳税人“套餐式”服务|QT|e|1|0|0|io|HW|kaiban nashui|税务登记 新办 税务报到|licence|《中华人民共和国税收征收管理法》第十五条|
EP026|灵活就业人员社会保险费缴纳|GG|p|1|0|0|io|HXW|shebao nashui|社保缴费 灵活就业|id|《中华人民共和国社会保险法》第十条|
EP026|完税证明开具|GG|pe|1|0|0|io|HXW|nashui|完税证明 纳税证明|id|《税收完税证明管理办法》第三条|
EP026|契税申报|QT|pe|1|0|1|io|HW|zhufang nashui|契税 买房交税|id,contract|《中华人民共和国契税法》第九条|
EP027|个人住房公积金提取（购房提取）|GG|p|5|1|0|ion|HX|zhufang|公积金 提取 买房|id,property,bank|《住房公积金管理条例》第二十四条|
EP027|个人住房公积金提取（租房提取）|GG|p|3|0|0|io|HX|zhufang|公积金 租房 提取|id,?lease,bank|《住房公积金管理条例》第二十四条|
EP027|个人住房公积金提取（离职、退休提取）|GG|p|5|1|0|o|HX|tuixiu zhufang|公积金 退休 销户|id,bank|《住房公积金管理条例》第二十四条|
EP027|个人住房公积金贷款|GG|p|15|10|1|nv|H|zhufang|公积金贷款 按揭|id,marriage,contract,收入证明|《住房公积金管理条例》第二十六条|
EP027|住房公积金单位缴存登记|GG|e|3|0|0|io|H|kaiban|公积金开户 单位缴存|licence|《住房公积金管理条例》第十四条|
EP028|低压用电报装（居民）|GG|p|5|2|0|on|H|zhufang|用电 电表 报装 装电表|id,property|《供电营业规则》第十六条|
EP028|高压用电报装（企业）|GG|e|15|10|1|ov||gongcheng kaiban|用电 接电 用电报装|licence,property,用电设备清单|《供电营业规则》第十六条|
EP030|残疾人证办理（新办）|QR|p|30|15|1|nv|HX|canji|残疾证 办证 残疾人证|id,hukou,photo,diagnosis|《中华人民共和国残疾人证管理办法》第八条|
EP030|残疾人证换领|QR|p|30|10|0|on|HX|canji|残疾证 换证|id,disability,photo|《中华人民共和国残疾人证管理办法》第十四条|
EP030|困难残疾人生活补贴和重度残疾人护理补贴申领|JF|p|30|20|0|on|H|canji shebao|两项补贴 残疾补贴 护理补贴|id,disability,bank|《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》|
EP031|雷电防护装置设计审核|XK|e|20|5|0|o||gongcheng|防雷 设计审核|licence,防雷装置设计技术评价报告|《气象灾害防御条例》第二十三条|
EP031|升放无人驾驶自由气球或者系留气球活动审批|XK|pe|5|3|0|o||jingying|气球 庆典 升空|licence,升放活动方案|《通用航空飞行管制条例》第三十五条|
EP032|公众聚集场所投入使用、营业前消防安全检查|XK|e|10|3|1|ov|H|jingying|消防检查 开业 消防安全|licence,消防安全制度,场所平面布置图|《中华人民共和国消防法》第十五条|
EP004|户口注销（死亡注销）|QR|p|5|1|0|on|H|shenhou huji|死亡 注销户口 销户|id,hukou,居民死亡医学证明（推断）书|《中华人民共和国户口登记条例》第八条|
EP008|丧葬补助金和抚恤金申领|JF|p|20|10|0|on|H|shenhou shebao|丧葬费 抚恤金 遗属待遇|id,hukou,居民死亡医学证明（推断）书,bank|《中华人民共和国社会保险法》第十七条、第四十九条|
EP008|单位参保登记（员工社会保险登记）|GG|e|5|1|0|on|H|kaiban nashui|员工社保 单位参保 招工 用工登记|licence,劳动合同或用工名册|《中华人民共和国社会保险法》第五十七条、第五十八条|
"""  # noqa: E501

# Town-level items (per town's 公共服务办 "-03" or 农业办 "-04") and village-level items (accepted at the
# village service station on behalf of the 公共服务办), same columns without the department.
TOWN_ITEMS: Final = """
03|最低生活保障申请（低保申请）|JF|p|30|20|0|onv|H|shebao|低保 困难 救助 生活困难|id,hukou,income|《社会救助暂行办法》第十一条；《广东省最低生活保障制度实施办法》|
03|临时救助申请|JF|p|15|5|0|onv|H|shebao|临时救助 急难 救助|id,hukou,income,困难情况说明|《社会救助暂行办法》第四十七条、第四十八条|
03|特困人员救助供养认定|JF|p|30|20|1|nv||shebao tuixiu|特困 五保 供养|id,hukou,income|《社会救助暂行办法》第十四条；《特困人员认定办法》|
04|农村宅基地审批（农村村民宅基地和建房申请）|XK|p|20|15|1|nv||nongcun zhufang|宅基地 农村建房 建房审批|id,hukou,村民小组意见,建房设计图|《中华人民共和国土地管理法》第六十二条|
"""  # noqa: E501
VILLAGE_ITEMS: Final = """
03|高龄津贴申领|JF|p|30|15|0|onv|H|tuixiu shebao|高龄津贴 老人津贴 长寿金|id,hukou,bank|《广东省老年人权益保障条例》；《江门市高龄老人津贴发放办法》|
03|居住证明开具（村委会、居委会）|GG|p|3|0|1|in|H|huji zhufang|居住证明 证明开具|id,lease|《中华人民共和国村民委员会组织法》；《中华人民共和国城市居民委员会组织法》|
"""  # noqa: E501

#: Written conditions for items people ask about most; the rest use the template of their item type.
CONDITIONS: Final[dict[str, str]] = {
    "个体工商户设立登记": (
        "有经营能力的公民均可申请登记为个体工商户；有固定的经营场所；经营范围不属于法律法"
        "规禁止个体工商户经营的项目；名称符合《企业名称登记管理规定》。"
    ),
    "食品经营许可": (
        "具有与经营的食品品种、数量相适应的食品贮存、经营场所，保持场所环境整洁，并与有毒"
        "、有害场所以及其他污染源保持规定的距离；具有相应的设备设施；有专职或兼职的食品安"
        "全管理人员和保证食品安全的规章制度；具有合理的设备布局和工艺流程。"
    ),
    "居民身份证换领": (
        "居住在恩平市或户籍在恩平市的中国公民，居民身份证有效期满、相貌变化大、证件严重损"
        "坏不能辨认或登记项目变更的，可申请换领。"
    ),
    "城乡居民养老保险参保登记": (
        "年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保"
        "险覆盖范围的城乡居民，可在户籍地参加城乡居民养老保险。"
    ),
    "婚姻登记（结婚登记）": (
        "男女双方自愿结婚，男年满二十二周岁、女年满二十周岁，双方均无配偶，且没有直系血亲"
        "和三代以内旁系血亲关系；双方应当亲自到婚姻登记机关办理。"
    ),
    "最低生活保障申请（低保申请）": (
        "共同生活的家庭成员人均收入低于恩平市最低生活保障标准，且家庭财产状况符合规定的，"
        "可以户主或家庭成员名义向户籍所在地镇人民政府（街道办事处）提出申请。"
    ),
    "不动产登记（转移登记）": (
        "不动产因买卖、赠与、继承、互换等导致权利发生转移的，当事人可以申请转移登记；不动"
        "产已办理首次登记，无查封、异议等限制。"
    ),
    "个人住房公积金提取（购房提取）": (
        "购买、建造、翻建、大修自住住房的缴存职工及其配偶，可在购房之日起一定期限内申请提"
        "取住房公积金账户余额。"
    ),
    "残疾人证办理（新办）": (
        "具有恩平市户籍，符合《残疾人残疾分类和分级》标准的视力、听力、言语、肢体、智力、精神及多重残疾人员。"
    ),
    "机动车驾驶证换证（有效期满换证）": (
        "机动车驾驶人应当于机动车驾驶证有效期满前九十日内申请换证；身体条件符合驾驶许可条件。"
    ),
    "农村宅基地审批（农村村民宅基地和建房申请）": (
        "本村集体经济组织成员，一户只能拥有一处宅基地，面积不超过规定标准；符合国土空间规"
        "划和村庄规划，不占用永久基本农田。"
    ),
}
CONDITION_TEMPLATES: Final = {
    ItemType.LICENSING: "申请人应当具备从事{short}的法定条件：有与之相适应的场所、设施设备和专业人员，"
    "建立相应的管理制度；申请材料齐全、真实、符合法定形式。",
    ItemType.BENEFIT: "户籍在恩平市（或符合规定的常住人员），符合{short}的政策条件，如实申报家庭和个人情况，"
    "并同意有关部门核对。",
    ItemType.CONFIRMATION: "申请人为权利人、利害关系人或其委托代理人，申请确认或登记的事项真实、合法，"
    "申请材料齐全、符合法定形式。",
    ItemType.ADJUDICATION: "申请人与争议事项有直接利害关系，有明确的请求、事实和理由，属于受理范围，"
    "并在法定时效内提出。",
    ItemType.REWARD: "符合{short}评定条件的个人或单位，按规定程序申报。",
    ItemType.OTHER_POWER: "依法需要办理{short}的个人或单位，申请材料齐全、符合法定形式。",
    ItemType.PUBLIC_SERVICE: "符合{short}服务对象条件的个人或单位均可申请，提供有效身份证明及相关材料。",
}
