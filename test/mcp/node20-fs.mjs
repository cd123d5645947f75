// node:fs with the globSync of Node 22 (see node20.mjs).
import fs from 'node:fs';

export * from 'node:fs';
export default fs;
export function globSync() {
	throw new Error('fs.globSync needs Node 22 (only tier-check uses it)');
}
