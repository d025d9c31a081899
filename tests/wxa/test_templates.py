"""The platform's template library on both shells: drafts, templates, their limits, and the
component token sent as ``access_token`` (a 40001 refreshes it and the call succeeds)."""

from __future__ import annotations

import pytest

from wxcomponent import TemplateDraftList, TemplateList
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, InvalidArgument, TemplateNotFound

from .conftest import APPID, Side


def test_drafts_become_templates_and_go_away(emu: EmulatorServer, side: Side) -> None:
    templates = side.component.templates
    first = emu.add_template_draft(APPID, "1.0.0", "first")
    second = emu.add_template_draft(APPID, "1.1.0", "second")
    drafts = side.run(templates.drafts())
    assert isinstance(drafts, TemplateDraftList)
    assert [d.draft_id for d in drafts.drafts] == [first["draft_id"], second["draft_id"]]
    assert drafts.drafts[1].user_version == "1.1.0" and drafts.raw["errcode"] == 0
    side.run(templates.add(first["draft_id"]))
    side.run(templates.add(second["draft_id"], 0))
    listed = side.run(templates.list())
    assert isinstance(listed, TemplateList)
    assert [(t.draft_id, t.template_type) for t in listed.templates] == [
        (first["draft_id"], 0), (second["draft_id"], 0)]
    assert side.run(templates.list(1)).templates == ()
    side.run(templates.delete(listed.templates[0].template_id))
    assert [t.draft_id for t in side.run(templates.list()).templates] == [second["draft_id"]]
    with pytest.raises(TemplateNotFound) as caught:
        side.run(templates.delete(listed.templates[0].template_id))
    assert caught.value.errcode == 85064


def test_the_library_holds_a_limited_number_of_templates(emu: EmulatorServer,
                                                         side: Side) -> None:
    emu.configure_mini_programs(template_limit=2)
    drafts = [emu.add_template_draft(APPID, f"1.{i}.0")["draft_id"] for i in range(3)]
    side.run(side.component.templates.add(drafts[0]))
    side.run(side.component.templates.add(drafts[1]))
    with pytest.raises(APIError) as caught:
        side.run(side.component.templates.add(drafts[2]))
    assert caught.value.errcode == 85065
    with pytest.raises(TemplateNotFound):
        side.run(side.component.templates.add(999))
    assert len(side.run(side.component.templates.list()).templates) == 2


def test_standard_templates_are_no_longer_offered(emu: EmulatorServer, side: Side) -> None:
    draft = emu.add_template_draft(APPID, "1.0.0")
    before = emu.call_counts()
    with pytest.raises(InvalidArgument) as caught:
        side.run(side.component.templates.add(draft["draft_id"], 1))
    assert caught.value.argument == "template_type"
    assert "standard" in str(caught.value) and "normal" in str(caught.value)
    assert emu.call_counts() == before
    assert side.run(side.component.templates.list()).templates == ()


def test_the_component_token_goes_as_access_token_and_40001_refreshes_it(
        emu: EmulatorServer, side: Side) -> None:
    side.run(side.component.templates.drafts())
    emu.invalidate_tokens(APPID)
    fetched = emu.calls("/cgi-bin/component/api_component_token")
    side.run(side.component.templates.drafts())
    assert emu.calls("/cgi-bin/component/api_component_token") == fetched + 1
    sent = side.sent("/wxa/gettemplatedraftlist")
    assert len(sent) == 3
    for request in sent:
        assert "access_token" in request.url.params
        assert "component_access_token" not in request.url.params
    assert sent[1].url.params["access_token"] != sent[2].url.params["access_token"]


@pytest.mark.parametrize(("call", "argument"), [
    (lambda t: t.add("1"), "draft_id"),
    (lambda t: t.add(1, 2), "template_type"),
    (lambda t: t.add(True), "draft_id"),
    (lambda t: t.list(5), "template_type"),
    (lambda t: t.delete(-1), "template_id"),
])
def test_bad_arguments_are_refused_before_sending(emu: EmulatorServer, side: Side, call,
                                                 argument: str) -> None:
    before = emu.call_counts()
    with pytest.raises(InvalidArgument) as caught:
        side.run(call(side.component.templates))
    assert caught.value.argument == argument
    assert emu.call_counts() == before
