/**
 * The one error type every reader in src/data throws on bad input.
 * The message reads "<file>: <problem>. <what to do>" so it can be shown to the user as is.
 */
export class DataError extends Error {
  /** The file the problem is in (its name as the user gave it). */
  readonly file: string;
  /** What is wrong, without the advice. */
  readonly problem: string;

  constructor(file: string, problem: string, hint: string) {
    super(`${file}: ${problem}. ${hint}`);
    this.name = 'DataError';
    this.file = file;
    this.problem = problem;
  }
}

/** Short advice strings used by several readers. */
export const HINT_IMAGE = 'Choose a PNG or JPEG image';
export const HINT_REEXPORT = 'Re-export the file (it may be incomplete or damaged)';
