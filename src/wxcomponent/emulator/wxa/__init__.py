"""The emulated mini-program management APIs, a module per domain as in
:mod:`wxcomponent.core.endpoints`:

* :mod:`.templates`, :mod:`.code`, :mod:`.audit`, :mod:`.domains`, :mod:`.testers`,
  :mod:`.privacy`, :mod:`.categories`, :mod:`.basic_info`, :mod:`.registration`,
  :mod:`.open_account`, :mod:`.verification`, :mod:`.privacy_interfaces`,
  :mod:`.violations` — the handlers of each domain;
* :mod:`.endpoints` — the table of their endpoints (:data:`.endpoints.WXA_ENDPOINTS`);
* :mod:`.model` — the state they act on: the platform's template library and domains, and
  each mini program's code, audits, releases, domains, testers, privacy guide, categories
  and account;
* :mod:`.compliance` — each mini program's verification, privacy interfaces, violations and
  appeals, and the compliance pushes planned on the clock;
* :mod:`.control` — :class:`.control.MiniProgramControl`, the part of
  :class:`~wxcomponent.emulator.Emulator` that plans audit outcomes, adds drafts, finishes
  registrations and nickname or category reviews, and inspects a mini program;
  :mod:`.compliance_control` — :class:`.compliance_control.ComplianceControl`, the part that
  moves verifications, decides privacy-interface reviews and appeals and injects violations.

Wrong states answer WeChat's errcodes and errmsg texts.

Internal package: the package imports none of its modules, so :mod:`..state` can use
:mod:`.model` without loading the handlers.
"""
