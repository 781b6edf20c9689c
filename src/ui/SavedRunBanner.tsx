// The run saved in this browser, offered on opening the app: resume it or discard it.
import { STAGE_LABELS, STAGE_NAMES, stageSteps } from '../config/settings';
import type { SavedRunInfo } from '../state/autosave';
import { useApp } from './StoreContext';

function describe(o: SavedRunInfo): string {
  const when = new Date(o.savedAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  const s = o.settings;
  const size = s ? ` (${s.preset} networks, ${s.width}×${s.height} crops, seed ${s.seed})` : '';
  const cur = o.run?.current;
  const steps = s && cur ? stageSteps(s, cur.stage) : undefined;
  const where = cur
    ? `stage ${STAGE_NAMES.indexOf(cur.stage) + 1} of 3 (${STAGE_LABELS[cur.stage]}) at step ${cur.step}${steps !== undefined ? ` / ${steps}` : ''}`
    : o.run && o.run.stages.every((st) => o.run!.done.includes(st))
      ? 'training finished'
      : 'between stages';
  return `A run saved ${when}${size}: ${where}, ${o.pairCount} pair${o.pairCount === 1 ? '' : 's'}.`;
}

export function SavedRunBanner() {
  const offer = useApp((s) => s.autosave.offer);
  const resuming = useApp((s) => s.autosave.resuming);
  const error = useApp((s) => s.autosave.error);
  const resume = useApp((s) => s.resumeSavedRun);
  const discard = useApp((s) => s.discardSavedRun);
  if (!offer && !error) return null;
  return (
    <section className="saved-run" aria-label="Saved run">
      {offer && (
        <p>
          <strong>{describe(offer)}</strong> Training a new run replaces it.{' '}
          <button type="button" disabled={resuming} onClick={() => void resume()}>
            Resume saved run
          </button>{' '}
          <button type="button" disabled={resuming} onClick={() => void discard()}>
            Discard
          </button>
          {resuming && ' Restoring…'}
        </p>
      )}
      {error && (
        <p role="alert" className="problem">
          {error}
        </p>
      )}
    </section>
  );
}
