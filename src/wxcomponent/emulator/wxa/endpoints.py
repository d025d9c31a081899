"""The table of the emulated mini-program management endpoints: each one's method, path,
token, required fields and account kinds, and its handler in the module of its domain.
"""

from __future__ import annotations

from typing import Literal

from ..calls import MP, OA, Endpoint, Handler
from . import (
    audit,
    basic_info,
    categories,
    code,
    codes,
    domains,
    icp,
    links,
    open_account,
    orders,
    privacy,
    privacy_interfaces,
    qrcode_jump,
    registration,
    templates,
    testers,
    verification,
    violations,
)

__all__ = ["WXA_ENDPOINTS"]

_C = "/cgi-bin/component/"


def _mini_program(method: Literal["GET", "POST"], path: str, handler: Handler, *required: str,
                  multipart: bool = False) -> Endpoint:
    """An endpoint of a mini program's own: the mini program's token, mini programs only."""
    return Endpoint(method, path, handler, "authorizer", required, kinds=MP,
                    multipart=multipart)


def _platform(method: Literal["GET", "POST"], path: str, handler: Handler,
              *required: str) -> Endpoint:
    """An endpoint of the platform's own (the template library, its domains, registrations):
    the component token, and no ``component_appid`` in the body."""
    return Endpoint(method, path, handler, required=required, names_component=False)


#: Every emulated mini-program management endpoint.
WXA_ENDPOINTS: tuple[Endpoint, ...] = (
    # the template library (component token, also as access_token)
    _platform("GET", "/wxa/gettemplatedraftlist", templates.drafts),
    _platform("POST", "/wxa/addtotemplate", templates.add_to_template, "draft_id"),
    _platform("GET", "/wxa/gettemplatelist", templates.template_list),
    _platform("POST", "/wxa/deletetemplate", templates.delete_template, "template_id"),
    # code, release
    _mini_program("POST", "/wxa/commit", code.commit, "template_id", "ext_json", "user_version"),
    _mini_program("GET", "/wxa/get_page", code.get_page),
    _mini_program("GET", "/wxa/get_qrcode", code.qrcode),
    _mini_program("GET", "/wxa/security/get_code_privacy_info", code.privacy_info),
    _mini_program("POST", "/wxa/getversioninfo", code.version_info),
    _mini_program("POST", "/wxa/release", code.release),
    _mini_program("GET", "/wxa/revertcoderelease", code.revert),
    _mini_program("POST", "/wxa/grayrelease", code.gray_release, "gray_percentage"),
    _mini_program("GET", "/wxa/getgrayreleaseplan", code.gray_plan),
    _mini_program("GET", "/wxa/revertgrayrelease", code.revert_gray),
    _mini_program("POST", "/wxa/change_visitstatus", code.change_visit, "action"),
    _mini_program("POST", "/wxa/getvisitstatus", code.visit_status),
    _mini_program("POST", "/cgi-bin/wxopen/getweappsupportversion", code.support_version),
    _mini_program("POST", "/cgi-bin/wxopen/setweappsupportversion", code.set_support_version,
                  "version"),
    # audits
    _mini_program("POST", "/wxa/submit_audit", audit.submit_audit),
    _mini_program("POST", "/wxa/uploadmedia", audit.upload_audit_media, multipart=True),
    _mini_program("POST", "/wxa/get_auditstatus", audit.audit_status, "auditid"),
    _mini_program("GET", "/wxa/get_latest_auditstatus", audit.latest_audit),
    _mini_program("GET", "/wxa/undocodeaudit", audit.withdraw),
    _mini_program("POST", "/wxa/speedupaudit", audit.speed_up, "auditid"),
    _mini_program("GET", "/wxa/queryquota", audit.query_quota),
    # domains
    _platform("POST", _C + "modify_wxa_server_domain",
              domains.platform_domains("server_domains", "server_domain"), "action"),
    _platform("POST", _C + "modify_wxa_jump_domain",
              domains.platform_domains("jump_domains", "jump_h5_domain"), "action"),
    _platform("POST", _C + "get_domain_confirmfile", domains.platform_confirm_file),
    _mini_program("POST", "/wxa/modify_domain", domains.modify_domain(False), "action"),
    _mini_program("POST", "/wxa/modify_domain_directly", domains.modify_domain(True), "action"),
    _mini_program("POST", "/wxa/setwebviewdomain", domains.webview_domain(False), "action"),
    _mini_program("POST", "/wxa/setwebviewdomain_directly", domains.webview_domain(True), "action"),
    _mini_program("POST", "/wxa/get_webviewdomain_confirmfile", domains.webview_confirm_file),
    _mini_program("POST", "/wxa/get_effective_domain", domains.effective_domains),
    _mini_program("POST", "/wxa/get_effective_webviewdomain",
                  domains.effective_webview_domains),
    _mini_program("POST", "/wxa/set_prefetchdnsdomain", domains.set_prefetch),
    _mini_program("GET", "/wxa/get_prefetchdnsdomain", domains.get_prefetch),
    # testers
    _mini_program("POST", "/wxa/bind_tester", testers.bind_tester, "wechatid"),
    _mini_program("POST", "/wxa/unbind_tester", testers.unbind_tester),
    _mini_program("POST", "/wxa/memberauth", testers.member_auth, "action"),
    # privacy (the mini program's token, under /cgi-bin/component/)
    _mini_program("POST", _C + "setprivacysetting", privacy.set_privacy, "owner_setting"),
    _mini_program("POST", _C + "getprivacysetting", privacy.get_privacy),
    _mini_program("POST", _C + "uploadprivacyextfile", privacy.upload_privacy_file, multipart=True),
    # privacy interfaces
    _mini_program("GET", "/wxa/security/get_privacy_interface", privacy_interfaces.interface_list),
    _mini_program("POST", "/wxa/security/apply_privacy_interface", privacy_interfaces.apply,
                  "api_name"),
    # verification, its renewal, the combined verification and filing
    _mini_program("POST", "/wxa/sec/wxaauth", verification.apply, "auth_data"),
    _mini_program("POST", "/wxa/sec/queryauth", verification.query, "taskid"),
    _mini_program("POST", "/wxa/sec/uploadauthmaterial", verification.upload_material,
                  multipart=True),
    _mini_program("POST", "/wxa/sec/reauth", verification.reapply, "auth_data"),
    Endpoint("GET", "/wxa/sec/authidentitytree", verification.identity_tree, "authorizer",
             kinds=MP, any_method=True),
    _mini_program("POST", "/wxa/sec/submit_auth_and_icp", verification.submit_procedure,
                  "auth_data"),
    _mini_program("POST", "/wxa/sec/query_auth_and_icp", verification.query_procedure,
                  "procedure_id"),
    # violations and appeals
    _mini_program("POST", "/wxa/getillegalrecords", violations.illegal_records),
    _mini_program("POST", "/wxa/getappealrecords", violations.appeal_records,
                  "illegal_record_id"),
    _mini_program("POST", "/wxa/component/createappeal", violations.create_appeal,
                  "illegal_record_id"),
    # categories
    _mini_program("GET", "/cgi-bin/wxopen/getallcategories", categories.all_categories),
    _mini_program("GET", "/cgi-bin/wxopen/getcategory", categories.account_categories),
    _mini_program("GET", "/wxa/get_category", categories.audit_categories),
    _mini_program("POST", "/cgi-bin/wxopen/addcategory", categories.add_category, "categories"),
    _mini_program("POST", "/cgi-bin/wxopen/deletecategory", categories.delete_category, "first",
                  "second"),
    _mini_program("POST", "/cgi-bin/wxopen/modifycategory", categories.modify_category, "first",
                  "second"),
    # basic information
    _mini_program("GET", "/cgi-bin/account/getaccountbasicinfo", basic_info.basic_info),
    _mini_program("POST", "/wxa/setnickname", basic_info.set_nickname, "nick_name"),
    _mini_program("POST", "/wxa/api_wxa_querynickname", basic_info.nickname_status, "audit_id"),
    _mini_program("POST", "/cgi-bin/wxverify/checkwxverifynickname", basic_info.check_nickname,
                  "nick_name"),
    _mini_program("POST", "/cgi-bin/account/modifyheadimage", basic_info.set_head_image,
                  "head_img_media_id"),
    _mini_program("POST", "/cgi-bin/account/modifysignature", basic_info.set_signature,
                  "signature"),
    _mini_program("GET", "/wxa/getwxasearchstatus", basic_info.search_status),
    _mini_program("POST", "/wxa/changewxasearchstatus", basic_info.set_search_status, "status"),
    # registration
    _platform("POST", _C + "fastregisterweapp", registration.retired),
    _platform("POST", "/wxa/component/fastregisterenterpriseweapp",
              registration.fast_register_enterprise),
    _platform("POST", "/wxa/component/fastregisterpersonalweapp",
              registration.fast_register_personal),
    _platform("POST", "/wxa/component/fastregisterbetaweapp", registration.fast_register_trial,
              "name", "openid"),
    _mini_program("POST", "/wxa/verifybetaweapp", registration.verify_trial, "verify_info"),
    _mini_program("POST", "/wxa/setbetaweappnickname", registration.set_trial_name, "name"),
    Endpoint("POST", "/cgi-bin/account/componentrebindadmin", registration.rebind_admin,
             "authorizer", ("taskid",)),
    Endpoint("POST", "/cgi-bin/account/fastregister", registration.reuse_subject, "authorizer",
             ("ticket",), kinds=OA),
    # order shipping management
    _mini_program("POST", "/wxa/sec/order/upload_shipping_info", orders.upload_shipping,
                  "order_key", "logistics_type", "delivery_mode", "shipping_list",
                  "upload_time", "payer"),
    _mini_program("POST", "/wxa/sec/order/upload_combined_shipping_info",
                  orders.upload_combined_shipping, "order_key", "sub_orders", "upload_time",
                  "payer"),
    _mini_program("POST", "/wxa/sec/order/get_order", orders.get_order),
    _mini_program("POST", "/wxa/sec/order/get_order_list", orders.order_list),
    _mini_program("POST", "/wxa/sec/order/notify_confirm_receive",
                  orders.notify_confirm_receive, "received_time"),
    _mini_program("POST", "/wxa/sec/order/set_msg_jump_path", orders.set_jump_path, "path"),
    _mini_program("POST", "/wxa/sec/order/is_trade_managed", orders.trade_managed, "appid"),
    _mini_program("POST", "/wxa/sec/order/is_trade_management_confirmation_completed",
                  orders.confirmation_completed, "appid"),
    # codes, links, ordinary links opening the mini program
    _mini_program("POST", "/wxa/getwxacode", codes.wxacode, "path"),
    _mini_program("POST", "/wxa/getwxacodeunlimit", codes.unlimited_wxacode, "scene"),
    _mini_program("POST", "/cgi-bin/wxaapp/createwxaqrcode", codes.qrcode, "path"),
    _mini_program("POST", "/wxa/generatescheme", links.generate_scheme),
    _mini_program("POST", "/wxa/generate_urllink", links.generate_url_link),
    _mini_program("POST", "/wxa/genwxashortlink", links.generate_short_link, "page_url"),
    _mini_program("POST", "/wxa/queryscheme", links.query_scheme, "scheme"),
    _mini_program("POST", "/wxa/query_urllink", links.query_url_link, "url_link"),
    _mini_program("POST", "/cgi-bin/wxopen/qrcodejumpadd", qrcode_jump.add_rule, "prefix",
                  "path"),
    _mini_program("POST", "/cgi-bin/wxopen/qrcodejumpget", qrcode_jump.get_rules),
    _mini_program("POST", "/cgi-bin/wxopen/qrcodejumppublish", qrcode_jump.publish_rule,
                  "prefix"),
    _mini_program("POST", "/cgi-bin/wxopen/qrcodejumpdelete", qrcode_jump.delete_rule, "prefix"),
    _mini_program("POST", "/cgi-bin/wxopen/qrcodejumpdownload", qrcode_jump.check_file),
    # ICP filing
    _mini_program("GET", "/wxa/icp/get_icp_entrance_info", icp.entrance_info),
    _mini_program("POST", "/wxa/icp/create_icp_verifytask", icp.create_verify_task),
    _mini_program("POST", "/wxa/icp/query_icp_verifytask", icp.query_verify_task, "task_id"),
    _mini_program("POST", "/wxa/icp/upload_icp_media", icp.upload_media, "type",
                  "icp_order_field", multipart=True),
    _mini_program("GET", "/wxa/icp/get_icp_media", icp.get_media, "media_id"),
    _mini_program("POST", "/wxa/icp/apply_icp_filing", icp.apply),
    _mini_program("POST", "/wxa/icp/cancel_apply_icp_filing", icp.cancel_application),
    _mini_program("POST", "/wxa/icp/cancel_icp_filing", icp.cancel_filing, "cancel_type"),
    _mini_program("GET", "/wxa/icp/get_online_icp_order", icp.online_order),
    _mini_program("GET", "/wxa/icp/query_icp_subject_types", icp.subject_types),
    _mini_program("GET", "/wxa/icp/query_icp_certificate_types", icp.certificate_types),
    _mini_program("GET", "/wxa/icp/query_icp_district_code", icp.districts),
    _mini_program("GET", "/wxa/icp/query_icp_service_content_types",
                  icp.service_content_types),
    _mini_program("GET", "/wxa/icp/query_icp_nrlx_types", icp.nrlx_types),
    # open accounts
    Endpoint("POST", "/cgi-bin/open/create", open_account.create, "authorizer", ("appid",)),
    Endpoint("POST", "/cgi-bin/open/bind", open_account.bind, "authorizer",
             ("appid", "open_appid")),
    Endpoint("POST", "/cgi-bin/open/unbind", open_account.unbind, "authorizer",
             ("appid", "open_appid")),
    Endpoint("POST", "/cgi-bin/open/get", open_account.get, "authorizer", ("appid",)),
)
