// Runs tests/pyodide/engine_run.py inside Pyodide under Node, with no network: one
// process for every job. Usage:
//   node run.mjs PYODIDE_DIR WHEEL_DIR REPO_DIR REQUEST.json ANSWERS.json
// Every wheel of WHEEL_DIR is loaded (the pinned dependencies, pydantic-core's
// WebAssembly build among them, and micropip); then micropip installs the request's
// "requirements" as xlwings Lite installs its requirements.txt (the pins are then already
// there; the wheel `chantool lite build` made comes from /io). REPO_DIR is mounted for the
// tests package, after site-packages, so chantool itself comes from that wheel. REQUEST
// and ANSWERS share a folder, mounted at /io.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, wheelDir, repoDir, request, answers] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")));
const started = Date.now();
const pyodide = await loadPyodide();
const wheels = fs.readdirSync(wheelDir).filter((name) => name.endsWith(".whl"))
  .map((name) => path.join(wheelDir, name));
await pyodide.loadPackage(wheels, { messageCallback: () => {} });
for (const [host, mount] of [[repoDir, "/repo"], [path.dirname(request), "/io"]]) {
  pyodide.FS.mkdirTree(mount);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(host) }, mount);
}
const requirements = JSON.parse(fs.readFileSync(request, "utf8")).requirements;
pyodide.globals.set("requirements", pyodide.toPy(requirements));
await pyodide.runPythonAsync(`
import micropip
await micropip.install(list(requirements))
`);
const loaded = Date.now();
pyodide.globals.set("request", `/io/${path.basename(request)}`);
pyodide.globals.set("answers", `/io/${path.basename(answers)}`);
await pyodide.runPythonAsync(`
import sys
sys.path.append("/repo")
from tests.pyodide.engine_run import main
await main(["run", request, answers])
`);
console.log(JSON.stringify({ start_seconds: (loaded - started) / 1000,
                             run_seconds: (Date.now() - loaded) / 1000 }));
