"""The demo's licence types: what the national licence catalogue defines for the items of the demo
catalog (names and holders real; the defining authorities' codes are generated demo USCCs)."""

from __future__ import annotations

from typing import Final

from shuzheng.licences.constants import HolderKind

P, E = HolderKind.PERSON, HolderKind.LEGAL_ENTITY

#: (name, material label the catalog's materials use, issuing department code, holder, validity in
#: years (None: long-term), fields as (key, label), names of the catalog items that produce it)
TYPES: Final = (
    ("营业执照（个体工商户）", "营业执照", "EP020", P, None,
     (("trade_name", "名称"), ("address", "经营场所"), ("scope", "经营范围"), ("form", "组成形式")),
     ("个体工商户设立登记", "个体工商户变更登记")),
    ("营业执照", "营业执照", "EP020", E, None,
     (("type", "类型"), ("representative", "法定代表人"), ("capital", "注册资本"), ("address", "住所"),
      ("scope", "经营范围")),
     ()),
    ("食品经营许可证", "食品经营许可证", "EP020", E, 5,
     (("operator", "经营者名称"), ("address", "经营场所"), ("subject", "主体业态"), ("items", "经营项目")),
     ("食品经营许可",)),
    ("药品经营许可证", "药品经营许可证", "EP020", E, 5,
     (("address", "注册地址"), ("scope", "经营范围"), ("manager", "质量负责人")),
     ("药品零售企业许可（药品经营许可证核发）",)),
    ("不动产权证书", "不动产权证书", "EP023-01", P, None,
     (("location", "坐落"), ("unit", "不动产单元号"), ("use", "用途"), ("area", "面积"),
      ("right", "权利性质")),
     ("不动产登记（首次登记）", "不动产登记（转移登记）", "不动产登记（变更登记）")),
    ("出生医学证明", "出生医学证明", "EP016", P, None,
     (("newborn", "新生儿姓名"), ("born_on", "出生日期"), ("place", "出生地点"), ("mother", "母亲姓名")),
     ("出生医学证明首次签发", "出生医学证明补发、换发")),
    ("居民户口簿", "居民户口簿", "EP004", P, None,
     (("household", "户主姓名"), ("address", "住址"), ("relation", "与户主关系")),
     ("户籍证明开具", "出生登记（新生儿入户）")),
    ("残疾人证", "残疾人证", "EP030", P, 10,
     (("category", "残疾类别"), ("grade", "残疾等级")),
     ("残疾人证办理（新办）",)),
    ("结婚证", "结婚证", "EP005", P, None,
     (("spouse", "配偶姓名"), ("registered_on", "登记日期")),
     ("婚姻登记（结婚登记）", "补领婚姻登记证")),
    ("机动车驾驶证", "机动车驾驶证", "EP004-01", P, 6,
     (("class", "准驾车型"), ("first_issued", "初次领证日期")),
     ("机动车驾驶证换证（有效期满换证）", "机动车驾驶证补领")),
    ("公共场所卫生许可证", "公共场所卫生许可证", "EP016", E, 4,
     (("address", "经营地址"), ("items", "许可项目")),
     ("公共场所卫生许可证核发",)),
    ("排污许可证", "排污许可证", "EP009", E, 5,
     (("address", "生产经营场所地址"), ("industry", "行业类别")),
     ("排污许可证核发",)),
    ("建筑工程施工许可证", "建筑工程施工许可证", "EP010", E, None,
     (("project", "工程名称"), ("address", "建设地址"), ("scale", "建设规模")),
     ("建筑工程施工许可证核发",)),
)  # fmt: skip

ADDRESSES: Final = (
    "恩城街道新平中路",
    "恩城街道锦江路",
    "沙湖镇沙湖大道",
    "圣堂镇圣堂圩",
    "牛江镇牛江路",
    "君堂镇君堂大道",
)
