// Module resolution hook of node20.mjs: "fs" and "node:fs", imported from
// a conformance bundle, become node20-fs.mjs.
const shim = new URL('./node20-fs.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
	if ((specifier === 'fs' || specifier === 'node:fs') &&
	    context.parentURL !== undefined &&
	    /conformance[^/]*\/dist\//.test(context.parentURL))
		return { url: shim, shortCircuit: true };
	return next(specifier, context);
}
