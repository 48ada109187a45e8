"""The web app of ``lstmlab serve``: one page and a JSON API over trained runs (FastAPI).

Endpoints (all errors are ``{"error": "one message"}`` with a 4xx status):

- ``GET  /``                                    the page (assets under ``/static``, no CDN)
- ``GET  /api/runs``                            the runs served, their tasks and LSTM shapes
- ``POST /api/runs/{name}/predict``             ``{"text", "evidence"}`` -> the task's answer
  (sentiment: label, probability, per-token evidence; POS: tags, probabilities, unseen words)
- ``POST /api/runs/{name}/inside``              ``{"text", "layer", "direction"}`` -> every
  gate and state of that LSTM layer and direction, tokens x units
- ``POST /api/runs/{name}/generate``            language models: ``{"text", "tokens",
  "temperature", "top_k", "seed"}`` -> sampled words
- ``GET  /api/runs/{name}/units/{unit}``        ``?layer=&direction=&gate=`` -> the tokens of a
  validation sample where the unit is most active
- ``GET  /openapi.json``                        the API's OpenAPI description

Runs are named at start-up (``lstmlab serve RUN ...``) and requests only ever name them:
no request can name a file on the server. Nor can a run: the unit search reads the run's
validation data only under the run folder, the data root and the folders the server was
started with (``--allow-data``), and its errors reach the client without the files' text
(the server's log has them). :mod:`lstmlab.serve.guard` checks ``Host``, adds the security
headers and answers what no handler did.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from lstmlab.errors import ConfigError, DataError
from lstmlab.inspect.tasks import Inspector
from lstmlab.inspect.trace import GATE_NAMES
from lstmlab.inspect.units import LazyUnitIndex
from lstmlab.serve.guard import Guard, HostPolicy, SafeJSONResponse, log
from lstmlab.serve.requests import (
    MAX_TEXT_CHARS,
    ApiError,
    GenerateRequest,
    InsideRequest,
    PredictRequest,
    body_schema,
    read_body,
    validation_message,
)
from lstmlab.version import __version__

STATIC = Path(__file__).parent / "static"
DECIMALS = 4  # values in /inside answers


class ServedRun:
    """One run the server answers for: its inspector and (lazily) its unit index.

    ``roots``: the folders the unit search may read (None: any, for library use).
    """

    def __init__(
        self,
        name: str,
        inspector: Inspector,
        data_dir: str | None,
        roots: list[Path] | None = None,
    ) -> None:
        self.name = name
        self.inspector = inspector
        self.units = LazyUnitIndex(inspector, data_dir, roots)
        self._logged = False

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, **self.inspector.describe()}

    def unit_search_problem(self, error: Exception) -> str:
        """What the client is told when the unit index cannot be built; the reason, which
        may quote a data file, goes to the server's log (once)."""
        refused = self.units.refused
        if not self._logged:
            self._logged = True
            if refused:
                log(
                    f"unit search for {self.name}: its validation data {refused[0]} is "
                    "outside the run folder and the data root; start serve with "
                    "--allow-data FOLDER to read it"
                )
            else:
                log(f"unit search for {self.name}: {type(error).__name__}: {error}")
        if refused:
            return (
                "the unit search needs this run's validation data, which lies outside the "
                "folders this server may read (start it with --allow-data FOLDER)"
            )
        return "the unit search cannot read this run's validation data (the server's log says why)"


def run_names(paths: list[Path]) -> list[str]:
    """URL-safe, unique names from run folders' names (``a``, ``a-2``, ...)."""
    names: list[str] = []
    for path in paths:
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", path.resolve().name).strip("-.") or "run"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def create_app(runs: list[ServedRun], hosts: HostPolicy | None = None) -> FastAPI:
    """The FastAPI app serving ``runs``, answering the ``Host`` names ``hosts`` allows
    (default: a loopback server's)."""
    app = FastAPI(
        title="lstmlab",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        description="Look inside trained LSTMs: predictions, evidence, gates.",
        default_response_class=SafeJSONResponse,
    )
    app.state.runs = runs
    by_name = {run.name: run for run in runs}
    add_error_handlers(app)
    app.add_middleware(Guard, hosts=hosts or HostPolicy("127.0.0.1"))

    def find(name: str) -> ServedRun:
        if name not in by_name:
            raise ApiError(
                404, f"no run named {name!r}; this server has {', '.join(by_name) or 'none'}"
            )
        return by_name[name]

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/api/runs", summary="The runs served")
    def list_runs() -> dict[str, Any]:
        return {
            "runs": [run.describe() for run in runs],
            "limits": {"max_text_chars": MAX_TEXT_CHARS},
        }

    @app.post(
        "/api/runs/{name}/predict",
        summary="The task's answer for a text",
        openapi_extra=body_schema(PredictRequest),
    )
    async def predict(name: str, request: Request) -> dict[str, Any]:
        run = find(name)
        body = await read_body(request, PredictRequest)
        return await run_in_threadpool(run.inspector.predict, body.text, body.evidence)

    @app.post(
        "/api/runs/{name}/inside",
        summary="Every gate and state for a text",
        openapi_extra=body_schema(InsideRequest),
    )
    async def inside(name: str, request: Request) -> dict[str, Any]:
        run = find(name)
        body = await read_body(request, InsideRequest)
        return await run_in_threadpool(gates_answer, run.inspector, body)

    @app.post(
        "/api/runs/{name}/generate",
        summary="Language models: continue a text",
        openapi_extra=body_schema(GenerateRequest),
    )
    async def generate(name: str, request: Request) -> dict[str, Any]:
        run = find(name)
        body = await read_body(request, GenerateRequest)
        if not hasattr(run.inspector, "generate"):
            raise ApiError(
                422, f"{name} is a {run.inspector.task} run: only language models generate text"
            )
        return await run_in_threadpool(
            run.inspector.generate, body.text, body.tokens, body.temperature, body.top_k, body.seed
        )

    @app.get(
        "/api/runs/{name}/units/{unit}", summary="Validation tokens where a unit is most active"
    )
    def unit_matches(
        name: str, unit: int, layer: int = 0, direction: str = "fwd", gate: str = "c"
    ) -> dict[str, Any]:
        run = find(name)
        try:
            index = run.units.get()
        except Exception as error:  # reading data: the message may quote a file
            raise ApiError(503, run.unit_search_problem(error)) from None
        matches = index.search(layer, direction, gate, unit)
        return {
            "unit": unit,
            "layer": layer,
            "direction": direction,
            "gate": gate,
            "examples": len(index.examples),
            "matches": [vars(match) for match in matches],
        }

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def gates_answer(inspector: Inspector, body: InsideRequest) -> dict[str, Any]:
    """Tokens and the chosen layer and direction's gates, each ``[T][H]``."""
    encoded = inspector.encode(body.text)
    gates = inspector.trace(encoded).select(body.layer, body.direction)
    return {
        "tokens": encoded.tokens,
        "layer": body.layer,
        "direction": body.direction,
        "hidden_size": inspector.hidden_size,
        "gates": {
            name: getattr(gates, name).round(decimals=DECIMALS).tolist() for name in GATE_NAMES
        },
    }


def add_error_handlers(app: FastAPI) -> None:
    """Every error answer is ``{"error": message}``; the server keeps serving (any other
    exception is answered by :class:`~lstmlab.serve.guard.Guard`, with one log line)."""

    def answer(status: int, message: str) -> SafeJSONResponse:
        return SafeJSONResponse({"error": message}, status_code=status)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> SafeJSONResponse:
        return answer(error.status, error.message)

    @app.exception_handler(ConfigError)
    async def config_error(_: Request, error: ConfigError) -> SafeJSONResponse:
        return answer(422, str(error))

    @app.exception_handler(DataError)
    async def data_error(_: Request, error: DataError) -> SafeJSONResponse:
        return answer(503, str(error))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> SafeJSONResponse:
        message = error.detail if isinstance(error.detail, str) else "request refused"
        if error.status_code == 404 and message == "Not Found":
            message = "no such page or endpoint"
        return answer(error.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> SafeJSONResponse:
        return answer(422, validation_message(list(error.errors())))
