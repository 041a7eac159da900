#!/usr/bin/env node
// Entry point of `npx lettre`. lettre's sources are TypeScript run directly by Node's type
// stripping (Node ≥ 22.18); `npm install` brings Node 24 into node_modules/.bin for npx.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `lettre a besoin de Node.js 22.18 ou plus récent (ici ${process.version}) : lancez « npm install » puis « npx lettre » depuis le dossier du projet.\n` +
      `lettre needs Node.js 22.18 or newer (this is ${process.version}): run \`npm install\`, then \`npx lettre\` from the project folder.`,
  );
  process.exit(1);
}
// Node keeps the code it compiled (lettre's TypeScript once stripped, its libraries) in its
// cache folder, so that each command starts sooner; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const { enableCompileCache } = await import("node:module");
enableCompileCache?.();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
