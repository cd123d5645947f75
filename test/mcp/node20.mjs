// node --import ./test/mcp/node20.mjs ...: lets the conformance suite load
// on Node 20.  Its bundle imports fs.globSync (Node >= 22), which only its
// tier-check command calls; an ES module namespace cannot be patched, so
// the suite's import of "fs" is resolved to node20-fs.mjs, which is fs plus
// a globSync that says what is missing.  On Node >= 22 nothing changes.
import { register } from 'node:module';
import fs from 'node:fs';

if (typeof fs.globSync !== 'function')
	register('./node20-hooks.mjs', import.meta.url);
