"""The API of both shells, declared once: each line makes one method of :class:`Component`
and :class:`AsyncComponent` (or of both authorizer clients) from a flow of the core.

Adding an endpoint means adding its flow in :mod:`wxcomponent.core.endpoints` and one line
here; the shells need nothing else.

Internal module.
"""

from __future__ import annotations

from ..core import (
    accounts,
    adopt,
    callback_addresses,
    callbacks,
    compliance,
    reconcile,
    refresher,
    tokens,
)
from ..core.endpoints import (
    audit,
    basic_info,
    categories,
    code,
    codes,
    component,
    domains,
    generic,
    icp,
    links,
    message,
    oauth,
    open_account,
    openapi,
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
from ._methods import (
    AsyncGroup,
    SyncGroup,
    authorizer_method,
    flow_method,
    group,
    pages_method,
)
from .fleet import AsyncFleetGroup, FleetGroup

__all__ = ["AuthorizerAPI", "ComponentAPI"]


# --------------------------------------------------------------------------- the platform's groups


class TemplatesAPI:
    """The platform's code template library (``component.templates``)."""

    drafts = flow_method(templates.drafts)
    add = flow_method(templates.add)
    list = flow_method(templates.list_templates)
    delete = flow_method(templates.delete)


class TemplatesGroup(TemplatesAPI, SyncGroup):
    """The platform's code template library, blocking."""


class AsyncTemplatesGroup(TemplatesAPI, AsyncGroup):
    """The platform's code template library, awaited."""


class PlatformDomainsAPI:
    """The platform's own server and jump domains (``component.domains``)."""

    modify_server = flow_method(domains.modify_server)
    modify_jump = flow_method(domains.modify_jump)
    confirm_file = flow_method(domains.confirm_file)


class PlatformDomainsGroup(PlatformDomainsAPI, SyncGroup):
    """The platform's own domains, blocking."""


class AsyncPlatformDomainsGroup(PlatformDomainsAPI, AsyncGroup):
    """The platform's own domains, awaited."""


class FastRegistrationAPI:
    """Registering mini programs for merchants (``component.fast_registration``)."""

    create_enterprise = flow_method(registration.create_enterprise)
    query_enterprise = flow_method(registration.query_enterprise)
    create_personal = flow_method(registration.create_personal)
    query_personal = flow_method(registration.query_personal)
    create_trial = flow_method(registration.create_trial)


class FastRegistrationGroup(FastRegistrationAPI, SyncGroup):
    """Registering mini programs, blocking."""


class AsyncFastRegistrationGroup(FastRegistrationAPI, AsyncGroup):
    """Registering mini programs, awaited."""


# --------------------------------------------------------------------------- an authorizer's groups


class CodeAPI:
    """A mini program's code versions (``authorizer.code``): commit, release, revert."""

    commit = authorizer_method(code.commit)
    pages = authorizer_method(code.pages)
    qrcode = authorizer_method(code.qrcode)
    privacy_check = authorizer_method(code.privacy_check)
    version_info = authorizer_method(code.version_info)
    release = authorizer_method(code.release)
    revert = authorizer_method(code.revert)
    history = authorizer_method(code.history)
    gray_release = authorizer_method(code.gray_release)
    gray_release_plan = authorizer_method(code.gray_release_plan)
    revert_gray_release = authorizer_method(code.revert_gray_release)
    set_visit_status = authorizer_method(code.set_visit_status)
    visit_status = authorizer_method(code.visit_status)
    support_version = authorizer_method(code.support_version)
    set_support_version = authorizer_method(code.set_support_version)


class CodeGroup(CodeAPI, SyncGroup):
    """A mini program's code versions, blocking."""


class AsyncCodeGroup(CodeAPI, AsyncGroup):
    """A mini program's code versions, awaited."""


class CodesAPI:
    """A mini program's codes (``authorizer.codes``): mini-program codes and QR codes."""

    wxacode = authorizer_method(codes.wxacode)
    unlimited_wxacode = authorizer_method(codes.unlimited_wxacode)
    qrcode = authorizer_method(codes.qrcode)


class CodesGroup(CodesAPI, SyncGroup):
    """A mini program's codes, blocking."""


class AsyncCodesGroup(CodesAPI, AsyncGroup):
    """A mini program's codes, awaited."""


class LinksAPI:
    """A mini program's links (``authorizer.links``): URL Schemes, URL Links, Short Links."""

    scheme = authorizer_method(links.scheme)
    url_link = authorizer_method(links.url_link)
    short_link = authorizer_method(links.short_link)
    query_scheme = authorizer_method(links.query_scheme)
    query_url_link = authorizer_method(links.query_url_link)


class LinksGroup(LinksAPI, SyncGroup):
    """A mini program's links, blocking."""


class AsyncLinksGroup(LinksAPI, AsyncGroup):
    """A mini program's links, awaited."""


class QrcodeJumpAPI:
    """Opening a mini program by scanning ordinary links (``authorizer.qrcode_jump``)."""

    add_rule = authorizer_method(qrcode_jump.add_rule)
    rules = authorizer_method(qrcode_jump.rules)
    publish_rule = authorizer_method(qrcode_jump.publish_rule)
    delete_rule = authorizer_method(qrcode_jump.delete_rule)
    check_file = authorizer_method(qrcode_jump.check_file)


class QrcodeJumpGroup(QrcodeJumpAPI, SyncGroup):
    """The rules of ordinary links, blocking."""


class AsyncQrcodeJumpGroup(QrcodeJumpAPI, AsyncGroup):
    """The rules of ordinary links, awaited."""


class AuditAPI:
    """A mini program's code audits (``authorizer.audit``)."""

    submit = authorizer_method(audit.submit)
    upload_media = authorizer_method(audit.upload_media)
    status = authorizer_method(audit.status)
    latest = authorizer_method(audit.latest)
    withdraw = authorizer_method(audit.withdraw)
    speed_up = authorizer_method(audit.speed_up)
    quota = authorizer_method(audit.quota)


class AuditGroup(AuditAPI, SyncGroup):
    """A mini program's code audits, blocking."""


class AsyncAuditGroup(AuditAPI, AsyncGroup):
    """A mini program's code audits, awaited."""


class DomainsAPI:
    """A mini program's server, web-view and prefetch domains (``authorizer.domains``)."""

    get = authorizer_method(domains.get)
    modify = authorizer_method(domains.modify)
    modify_webview = authorizer_method(domains.modify_webview)
    webview_confirm_file = authorizer_method(domains.webview_confirm_file)
    effective = authorizer_method(domains.effective)
    effective_webview = authorizer_method(domains.effective_webview)
    set_prefetch = authorizer_method(domains.set_prefetch)
    prefetch = authorizer_method(domains.prefetch)


class DomainsGroup(DomainsAPI, SyncGroup):
    """A mini program's domains, blocking."""


class AsyncDomainsGroup(DomainsAPI, AsyncGroup):
    """A mini program's domains, awaited."""


class TestersAPI:
    """A mini program's testers (``authorizer.testers``)."""

    bind = authorizer_method(testers.bind)
    unbind = authorizer_method(testers.unbind)
    list = authorizer_method(testers.list_testers)


class TestersGroup(TestersAPI, SyncGroup):
    """A mini program's testers, blocking."""


class AsyncTestersGroup(TestersAPI, AsyncGroup):
    """A mini program's testers, awaited."""


class OrdersAPI:
    """A mini program's order shipping management (``authorizer.orders``)."""

    upload_shipping = authorizer_method(orders.upload_shipping)
    upload_combined_shipping = authorizer_method(orders.upload_combined_shipping)
    get = authorizer_method(orders.get_order)
    list = authorizer_method(orders.list_orders)
    notify_confirm_receive = authorizer_method(orders.notify_confirm_receive)
    set_msg_jump_path = authorizer_method(orders.set_msg_jump_path)
    is_trade_managed = authorizer_method(orders.is_trade_managed)
    is_confirmation_completed = authorizer_method(orders.is_confirmation_completed)


class OrdersGroup(OrdersAPI, SyncGroup):
    """A mini program's order shipping management, blocking."""


class AsyncOrdersGroup(OrdersAPI, AsyncGroup):
    """A mini program's order shipping management, awaited."""


class PrivacyAPI:
    """A mini program's privacy guide (``authorizer.privacy``)."""

    set = authorizer_method(privacy.set_setting)
    get = authorizer_method(privacy.get)
    upload_ext_file = authorizer_method(privacy.upload_ext_file)


class PrivacyGroup(PrivacyAPI, SyncGroup):
    """A mini program's privacy guide, blocking."""


class AsyncPrivacyGroup(PrivacyAPI, AsyncGroup):
    """A mini program's privacy guide, awaited."""


class CategoriesAPI:
    """A mini program's service categories (``authorizer.categories``)."""

    all = authorizer_method(categories.all_categories)
    list = authorizer_method(categories.list_categories)
    for_audit = authorizer_method(categories.for_audit)
    add = authorizer_method(categories.add)
    delete = authorizer_method(categories.delete)
    modify = authorizer_method(categories.modify)


class CategoriesGroup(CategoriesAPI, SyncGroup):
    """A mini program's categories, blocking."""


class AsyncCategoriesGroup(CategoriesAPI, AsyncGroup):
    """A mini program's categories, awaited."""


class BasicInfoAPI:
    """A mini program's account, nickname, avatar, introduction and search visibility
    (``authorizer.basic_info``)."""

    get = authorizer_method(basic_info.get)
    set_nickname = authorizer_method(basic_info.set_nickname)
    nickname_status = authorizer_method(basic_info.nickname_status)
    check_nickname = authorizer_method(basic_info.check_nickname)
    set_avatar = authorizer_method(basic_info.set_avatar)
    set_signature = authorizer_method(basic_info.set_signature)
    search_status = authorizer_method(basic_info.search_status)
    set_search_status = authorizer_method(basic_info.set_search_status)


class BasicInfoGroup(BasicInfoAPI, SyncGroup):
    """A mini program's basic information, blocking."""


class AsyncBasicInfoGroup(BasicInfoAPI, AsyncGroup):
    """A mini program's basic information, awaited."""


class AccountRegistrationAPI:
    """Registration on an account's behalf (``authorizer.fast_registration``): verifying and
    renaming a trial mini program, registering one with an official account's subject, and
    rebinding the account's administrator."""

    verify_trial = authorizer_method(registration.verify_trial)
    set_trial_name = authorizer_method(registration.set_trial_name)
    reuse_subject = authorizer_method(registration.reuse_subject)
    rebind_admin = authorizer_method(registration.rebind_admin)


class AccountRegistrationGroup(AccountRegistrationAPI, SyncGroup):
    """Registration on an account's behalf, blocking."""


class AsyncAccountRegistrationGroup(AccountRegistrationAPI, AsyncGroup):
    """Registration on an account's behalf, awaited."""


class OpenAccountAPI:
    """The open platform account of an authorizer (``authorizer.open_account``)."""

    create = authorizer_method(open_account.create)
    bind = authorizer_method(open_account.bind)
    unbind = authorizer_method(open_account.unbind)
    get = authorizer_method(open_account.get)


class OpenAccountGroup(OpenAccountAPI, SyncGroup):
    """The open platform account, blocking."""


class AsyncOpenAccountGroup(OpenAccountAPI, AsyncGroup):
    """The open platform account, awaited."""


class IcpAPI:
    """A mini program's ICP filing (``authorizer.icp``): its state, the administrator's face
    verification, material, the dictionaries, the application and deregistration."""

    entrance_info = authorizer_method(icp.entrance_info)
    create_verify_task = authorizer_method(icp.create_verify_task)
    verify_task = authorizer_method(icp.verify_task)
    upload_media = authorizer_method(icp.upload_media)
    media = authorizer_method(icp.media)
    subject_types = authorizer_method(icp.subject_types)
    certificate_types = authorizer_method(icp.certificate_types)
    districts = authorizer_method(icp.districts)
    service_content_types = authorizer_method(icp.service_content_types)
    prior_approval_types = authorizer_method(icp.prior_approval_types)
    apply = authorizer_method(icp.apply)
    cancel_application = authorizer_method(icp.cancel_application)
    cancel_filing = authorizer_method(icp.cancel_filing)
    online_order = authorizer_method(icp.online_order)


class IcpGroup(IcpAPI, SyncGroup):
    """A mini program's ICP filing, blocking."""


class AsyncIcpGroup(IcpAPI, AsyncGroup):
    """A mini program's ICP filing, awaited."""
class VerificationAPI:
    """A mini program's verification and its annual renewal, and the combined verification
    and ICP filing (``authorizer.verification``)."""

    apply = authorizer_method(verification.apply)
    query = authorizer_method(verification.query)
    upload_material = authorizer_method(verification.upload_material)
    reapply = authorizer_method(verification.reapply)
    identity_tree = authorizer_method(verification.identity_tree)
    submit_auth_and_icp = authorizer_method(verification.submit_auth_and_icp)
    query_auth_and_icp = authorizer_method(verification.query_auth_and_icp)


class VerificationGroup(VerificationAPI, SyncGroup):
    """A mini program's verification, blocking."""


class AsyncVerificationGroup(VerificationAPI, AsyncGroup):
    """A mini program's verification, awaited."""


class PrivacyInterfacesAPI:
    """The privacy interfaces a mini program applies for (``authorizer.privacy_interfaces``)."""

    list = authorizer_method(privacy_interfaces.list_interfaces)
    apply = authorizer_method(privacy_interfaces.apply)


class PrivacyInterfacesGroup(PrivacyInterfacesAPI, SyncGroup):
    """A mini program's privacy interfaces, blocking."""


class AsyncPrivacyInterfacesGroup(PrivacyInterfacesAPI, AsyncGroup):
    """A mini program's privacy interfaces, awaited."""


class ViolationsAPI:
    """A mini program's violation records and appeals (``authorizer.violations``)."""

    records = authorizer_method(violations.illegal_records)
    appeals = authorizer_method(violations.appeals)
    upload_proof = authorizer_method(violations.upload_proof)
    appeal = authorizer_method(violations.create_appeal)


class ViolationsGroup(ViolationsAPI, SyncGroup):
    """A mini program's violations and appeals, blocking."""


class AsyncViolationsGroup(ViolationsAPI, AsyncGroup):
    """A mini program's violations and appeals, awaited."""


# --------------------------------------------------------------------------- the shells' APIs


class ComponentAPI:
    """The methods of a platform (blocking on :class:`Component`, awaited on
    :class:`AsyncComponent`)."""

    # pushes
    handle_callback = flow_method(callbacks.handle_callback)
    dispatch = flow_method(callbacks.dispatch_message)
    save_ticket = flow_method(accounts.save_ticket)
    # tokens
    access_token = flow_method(tokens.component_access_token)
    refresh_access_token = flow_method(tokens.refresh_component_token)
    token = flow_method(tokens.token)
    renew_token = flow_method(tokens.renew_token)
    # authorization
    create_pre_auth_code = flow_method(component.create_pre_auth_code)
    authorization_url = flow_method(component.authorization_url)
    query_auth = flow_method(component.query_auth)
    # authorizers
    get_authorizer_info = flow_method(component.get_authorizer_info)
    get_authorizer_option = flow_method(component.get_authorizer_option)
    set_authorizer_option = flow_method(component.set_authorizer_option)
    get_authorizer_list = flow_method(component.authorizer_list_page)
    iter_authorizers = pages_method(component.iter_authorizers)
    stored_authorizers = pages_method(refresher.stored_authorizers)
    forget_authorizer = flow_method(accounts.forget_authorizer)
    add_authorizer = flow_method(adopt.add_authorizer)
    reconcile_authorizers = flow_method(reconcile.reconcile_authorizers)
    # the compliance board
    check_compliance = flow_method(compliance.check_account)
    compliance_record = flow_method(compliance.compliance_record)
    # the platform's account
    start_push_ticket = flow_method(component.start_push_ticket)
    clear_quota = flow_method(openapi.clear_quota)
    clear_component_quota = flow_method(openapi.clear_component_quota)
    get_quota = flow_method(openapi.get_quota)
    get_rid = flow_method(openapi.get_rid)
    callback_ips = flow_method(openapi.callback_ips)
    api_domain_ips = flow_method(openapi.api_domain_ips)
    callback_addresses = flow_method(callback_addresses.callback_addresses)
    # any endpoint
    get_json = flow_method(generic.component_get_json)
    post_json = flow_method(generic.component_post_json)
    upload = flow_method(generic.component_upload)
    # keeping tokens fresh
    refresh_due = flow_method(refresher.refresh_due)
    # mini programs: the template library, the platform's domains, registrations
    templates = group(TemplatesGroup, AsyncTemplatesGroup)
    domains = group(PlatformDomainsGroup, AsyncPlatformDomainsGroup)
    fast_registration = group(FastRegistrationGroup, AsyncFastRegistrationGroup)
    fleet = group(FleetGroup, AsyncFleetGroup)


class AuthorizerAPI:
    """The methods of an authorizer client (blocking on :class:`AuthorizerClient`, awaited on
    :class:`AsyncAuthorizerClient`)."""

    # tokens
    access_token = authorizer_method(tokens.authorizer_access_token)
    refresh_access_token = authorizer_method(tokens.refresh_authorizer_token)
    jsapi_ticket = authorizer_method(tokens.jsapi_ticket_value)
    # the account
    info = authorizer_method(component.get_authorizer_info)
    get_quota = authorizer_method(openapi.authorizer_quota)
    clear_quota = authorizer_method(openapi.authorizer_clear_quota)
    get_rid = authorizer_method(openapi.authorizer_rid)
    api_domain_ips = authorizer_method(openapi.authorizer_api_domain_ips)
    # users
    oauth_access_token = authorizer_method(oauth.oauth_access_token)
    oauth_refresh_token = authorizer_method(oauth.oauth_refresh_token)
    user_info = authorizer_method(oauth.oauth_user_info)
    jscode2session = authorizer_method(oauth.jscode2session)
    send_text = authorizer_method(message.send_text)
    send_custom_message = authorizer_method(message.send_custom_message)
    # any endpoint
    get_json = authorizer_method(generic.authorizer_get_json)
    post_json = authorizer_method(generic.authorizer_post_json)
    get_bytes = authorizer_method(generic.authorizer_get_bytes)
    post_bytes = authorizer_method(generic.authorizer_post_bytes)
    upload = authorizer_method(generic.authorizer_upload)
    # managing a mini program
    code = group(CodeGroup, AsyncCodeGroup)
    audit = group(AuditGroup, AsyncAuditGroup)
    domains = group(DomainsGroup, AsyncDomainsGroup)
    testers = group(TestersGroup, AsyncTestersGroup)
    privacy = group(PrivacyGroup, AsyncPrivacyGroup)
    categories = group(CategoriesGroup, AsyncCategoriesGroup)
    basic_info = group(BasicInfoGroup, AsyncBasicInfoGroup)
    fast_registration = group(AccountRegistrationGroup, AsyncAccountRegistrationGroup)
    open_account = group(OpenAccountGroup, AsyncOpenAccountGroup)
    orders = group(OrdersGroup, AsyncOrdersGroup)
    # a mini program's codes and links
    codes = group(CodesGroup, AsyncCodesGroup)
    links = group(LinksGroup, AsyncLinksGroup)
    qrcode_jump = group(QrcodeJumpGroup, AsyncQrcodeJumpGroup)
    icp = group(IcpGroup, AsyncIcpGroup)
    # compliance
    verification = group(VerificationGroup, AsyncVerificationGroup)
    privacy_interfaces = group(PrivacyInterfacesGroup, AsyncPrivacyInterfacesGroup)
    violations = group(ViolationsGroup, AsyncViolationsGroup)
