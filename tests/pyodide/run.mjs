// Runs tests/pyodide/engine_run.py inside Pyodide under Node, with no network: one
// process for every job. Usage:
//   node run.mjs PYODIDE_DIR WHEEL_DIRS REPO_DIR REQUEST.json ANSWERS.json
// Every wheel of the folders WHEEL_DIRS (joined with the path delimiter) is installed (pydantic-core's WebAssembly build among them);
// REPO_DIR is mounted for the tests package, after site-packages, so chantool itself
// comes from the wheel `chantool lite build` made. REQUEST and ANSWERS share a folder.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, wheelDirs, repoDir, request, answers] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")));
const started = Date.now();
const pyodide = await loadPyodide();
const wheels = wheelDirs.split(path.delimiter).flatMap((folder) => fs.readdirSync(folder)
  .filter((name) => name.endsWith(".whl")).map((name) => path.join(folder, name)));
await pyodide.loadPackage(wheels, { messageCallback: () => {} });
const loaded = Date.now();
for (const [host, mount] of [[repoDir, "/repo"], [path.dirname(request), "/io"]]) {
  pyodide.FS.mkdirTree(mount);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(host) }, mount);
}
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
