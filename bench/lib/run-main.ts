/** Runs an experiment's `main` and exits: 0 when it finished, 1 with its error on stderr. */
export function runMain(main: () => Promise<void>): void {
  void main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
