"""Deterministic generator of fictitious sample data ("données fictives").

The sample store lets the dashboard, the tests, the benchmarks and the
screenshots run on the same plausible numbers. Everything here is invented:
the pages must say so ("données fictives") whenever ``store_meta.sample`` is "1".

Design:

- :func:`build_sample_frames` is pure: one DataFrame per table of the store
  (keys = table names, parents before children: ``tables_in_dependency_order()``), columns =
  the table's columns, explicit integer ids. Same ``(scale, seed)`` -> identical
  frames: every table draws from its own numpy generator seeded by
  ``(seed, crc32(table name))``, so tables do not depend on each other's draws
  and the tables that do not grow with ``scale`` are identical at every scale.
- Only the case-level tables (``ise_call``, ``retention_case``,
  ``case_measure``) and ``at_request`` / ``communication_action`` (with
  ``communication_reach``) grow with ``scale``; they are generated with
  vectorised numpy code (``scale=100`` builds ~0.8 M calls and ~0.6 M cases).
- :func:`load_sample` writes the frames into an empty, migrated store in one
  transaction.

Stories the verdicts can read (domain notes, "Sample data"): CTME sessions
fall everywhere except in the Loire (CME42) where they rise; direct
signalements handled by the AT fall toward zero and fewer orientations are
qualified as complex; calls to INFO SANTE EMPLOI grow then level off; Haute-
Savoie (CME74) has no continuous diagnosis; RSI sends its data months late
(the 2020 delivery is still missing); earliness, pathway delays, retention
rate, relays and the use of support measures improve over the years.

Dates all lie within 2016-01-01 .. 2020-12-31. Partner deliveries of year Y are
expected on 15 December of Y (data as of 30 November, for the annual bilan
presented at the December CPR).

Known artefacts of a window that starts on 2016-01-01: no case is signalled
before 2016, so indicators dated by ``solution_date`` see only short pathways
and fewer closed cases in 2016 (ramp-up); cases signalled in 2020 are often
still "en_cours" (censoring). Sick-leave cases whose leave would have started
before 2016 are signalled later in 2016 rather than truncated, which thins
January 2016 a little.

Layout (one module per role, and per evaluation question):

- ``common``: constants (seed, years, territories, départements, CME territories, regions,
  signatories), the story parameters, the calendar and random helpers, ``_frame`` (a DataFrame
  shaped after a table) and the reference-data helpers;
- ``q1_gouvernance`` (instances, meetings, outputs, links, cooperations, data initiatives,
  indicator availability), ``q2_diagnostics_plans`` (diagnostics, freins, action plans, local
  results, follow-up), ``q3_info_sante_emploi`` (calls, actor caseload, resource contacts,
  feedback), ``q4_animations_territoriales`` (AT tools, initiatives, needs, requests, CTME,
  declarations, yearly activity), ``q5_information_communication`` (communication plans, actions
  and reach), ``q6_indicateurs_maintien`` (retention cases and measures, indicator values): the
  table builders of each evaluation question;
- ``surveys``: perception survey results (questions of Q1, Q4 and Q5);
- ``operations``: tables of no question (analysis comments, data deliveries, store metadata,
  demo accounts);
- ``build``: :func:`build_sample_frames`, which assembles every table; ``load``: :func:`load_sample`.
"""

from .build import build_sample_frames
from .common import SAMPLE_SEED, YEARS
from .load import load_sample
from .operations import DEMO_ACCOUNTS

__all__ = ["DEMO_ACCOUNTS", "SAMPLE_SEED", "YEARS", "build_sample_frames", "load_sample"]
