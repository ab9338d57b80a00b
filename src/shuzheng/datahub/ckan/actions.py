"""The CKAN actions by name, with the help text help_show answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from shuzheng.core.errors import NotFound
from shuzheng.datahub.ckan.common import (
    Call,
    Params,
)
from shuzheng.datahub.ckan.datastore import datastore_search
from shuzheng.datahub.ckan.read import (
    current_package_list_with_resources,
    group_list,
    group_show,
    license_list,
    organization_list,
    organization_show,
    package_list,
    package_search,
    package_show,
    resource_show,
    status_show,
    tag_list,
)
from shuzheng.datahub.ckan.write import (
    package_create,
    package_delete,
    package_patch,
    package_update,
    resource_create,
    resource_delete,
    resource_patch,
    resource_update,
)

# --- registry ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    function: Callable[[Call], Any]
    help: str
    write: bool = False


def help_show(call: Call) -> str:
    p = Params(call.data)
    name = p.text("name", required=True, max_length=100)
    p.check()
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(f"接口“{name}”不存在")
    return action.help


ACTIONS: Final[dict[str, Action]] = {
    "status_show": Action(status_show, "平台状态：名称、地址、兼容的 CKAN 版本与扩展。"),
    "help_show": Action(help_show, "接口说明。参数：name（接口名）。"),
    "package_list": Action(package_list, "已开放数据集的标识（name）列表。参数：limit、offset。"),
    "package_show": Action(package_show, "一个数据集。参数：id（数据集的 id 或 name）。"),
    "current_package_list_with_resources": Action(
        current_package_list_with_resources,
        "最近更新的数据集（含资源），新的在前。参数：limit（≤1000）、offset。",
    ),
    "license_list": Action(license_list, "可用的许可协议。"),
    "package_search": Action(
        package_search,
        "检索数据集。参数：q（中文全文检索）、fq（organization:、tags:、groups:、res_format:、name:、"
        "license_id: 条件，可加 - 排除）、rows（≤1000）、start、sort（score、name、title、metadata_modified、"
        "metadata_created，加 asc/desc）、facet.field（organization、groups、tags、res_format）、"
        "facet.limit。",
    ),
    "organization_list": Action(
        organization_list,
        "有开放数据集的部门（组织）。参数：all_fields、sort、limit、offset、organizations。",
    ),
    "organization_show": Action(
        organization_show, "一个部门（组织）。参数：id（部门编码或 id）、include_datasets。"
    ),
    "group_list": Action(group_list, "开放主题（group）。参数：all_fields、sort、limit、offset、groups。"),
    "group_show": Action(group_show, "一个开放主题。参数：id（主题标识或 id）、include_datasets。"),
    "tag_list": Action(tag_list, "已开放数据集的标签。参数：query（包含的文字）、all_fields。"),
    "resource_show": Action(resource_show, "一个资源。参数：id。"),
    "datastore_search": Action(
        datastore_search,
        "查询由库表生成的资源中的记录（个人信息已脱敏）。参数：resource_id、limit（≤1000）、offset、"
        "q（文本或 {字段: 文本}）、filters（{字段: 值或值列表}）、fields、"
        'sort（如 "capacity desc"）、include_total。',
    ),
    "package_create": Action(
        package_create,
        "开放一个数据目录为数据集（需 API 密钥）。参数：name、title、notes、license_id、tags、groups、"
        "owner_org、"
        "extras 中的 catalog_entry（数据目录的资源代码）、resources（外部链接）。",
        write=True,
    ),
    "package_update": Action(
        package_update, "替换数据集的元数据（需 API 密钥）。参数同 package_create，加 id。", write=True
    ),
    "package_patch": Action(
        package_patch, "修改数据集的部分元数据（需 API 密钥）。参数：id 和要修改的字段。", write=True
    ),
    "package_delete": Action(package_delete, "下架数据集（需 API 密钥）。参数：id。", write=True),
    "resource_create": Action(
        resource_create,
        "为数据集添加资源（需 API 密钥）：url 链接，或以 multipart/form-data 上传文件 upload。"
        "参数：package_id、"
        "name、format、description。",
        write=True,
    ),
    "resource_update": Action(
        resource_update,
        "修改附加的资源（需 API 密钥）。参数：id、name、url、format、description。",
        write=True,
    ),
    "resource_patch": Action(
        resource_patch, "修改附加资源的部分字段（需 API 密钥）。参数：id 和要修改的字段。", write=True
    ),
    "resource_delete": Action(resource_delete, "删除附加的资源（需 API 密钥）。参数：id。", write=True),
}
