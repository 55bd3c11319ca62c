// Bundled with esbuild into sucrase.js (see README.md). Strips TypeScript (and JSX in .tsx/.jsx) and leaves
// ES module syntax alone; Jint runs the modules.
import { transform } from "sucrase";
globalThis.__stripTypes = function (code, jsx, file) {
  return transform(code, {
    transforms: jsx ? ["typescript", "jsx"] : ["typescript"],
    disableESTransforms: true,
    jsxRuntime: "classic",
    production: true,
    filePath: file,
  }).code;
};
