"""An ICP filing application that the emulator accepts, built from the media ids and the face
verification a test prepared; any part can be replaced."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from wxcomponent import (
    IcpApplets,
    IcpAppletsBaseInfo,
    IcpApplication,
    IcpMaterials,
    IcpOrganizeInfo,
    IcpPrincipalInfo,
    IcpPriorApproval,
    IcpSubject,
    IcpSubjectBaseInfo,
)

#: The emulator's prior-approval type saying none applies, and a second-level service type.
NONE_APPLIES = 16
SERVICE_TYPE = 11
JPEG = b"\xff\xd8\xff\xe0" + b"jpeg" * 64


def principal(photo: str, *, verify_task_id: str = "") -> IcpPrincipalInfo:
    """A person in charge whose certificate photos are ``photo``."""
    return IcpPrincipalInfo(
        name="张三", mobile="13800000000", email="zhangsan@example.com",
        emergency_contact="13900000000", certificate_type=2,
        certificate_number="110105199001011234", certificate_validity_date_start="20200101",
        certificate_validity_date_end="长期", certificate_photo_front=photo,
        certificate_photo_back=photo, verify_task_id=verify_task_id)


def application(photo: str, task_id: str, **changes: Any) -> IcpApplication:
    """A complete application of an enterprise: ``photo`` is the media id of every photo,
    ``task_id`` the passed face verification; ``changes`` replace top-level parts."""
    built = IcpApplication(
        icp_subject=IcpSubject(
            base_info=IcpSubjectBaseInfo(type=4, name="模拟餐饮有限公司", province="110000",
                                         city="110100", district="110105",
                                         address="建国路1号"),
            principal_info=principal(photo),
            organize_info=IcpOrganizeInfo(certificate_type=1,
                                          certificate_number="91110000MA01EMU000",
                                          certificate_address="北京市朝阳区建国路1号",
                                          certificate_photo=photo)),
        icp_applets=IcpApplets(
            base_info=IcpAppletsBaseInfo(
                service_content_types=(SERVICE_TYPE,),
                nrlx_details=(IcpPriorApproval(NONE_APPLIES),),
                comment="为顾客提供在线点餐与订单查询服务，不涉及前置审批事项。"),
            principal_info=principal(photo, verify_task_id=task_id)),
        icp_materials=IcpMaterials(commitment_letter=(photo,)))
    return replace(built, **changes)
