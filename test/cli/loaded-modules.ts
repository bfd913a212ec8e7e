/** Preloaded into an `elt` child: on exit it prints every module the process loaded, for the laziness test. */
process.on("exit", () => process.stderr.write(`${JSON.stringify(Object.keys(require.cache))}\n`));
