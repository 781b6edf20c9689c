// The run saved in this browser, offered on opening the app: resume it or discard it. When the
// page was opened on a link that names a model, that model is what the page shows (a shared
// link is opened to see it), so the offer moves below it, in the Model panel, and says that
// resuming replaces it; otherwise it sits under the status line.
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

export function SavedRunBanner({ place }: { place: 'header' | 'model' }) {
  const offer = useApp((s) => s.autosave.offer);
  const resuming = useApp((s) => s.autosave.resuming);
  const error = useApp((s) => s.autosave.error);
  const linked = useApp((s) => s.model.linked !== undefined);
  const resume = useApp((s) => s.resumeSavedRun);
  const discard = useApp((s) => s.discardSavedRun);
  if ((!offer && !error) || linked !== (place === 'model')) return null;
  return (
    <section className="saved-run" aria-label="Saved run">
      {offer && (
        <p>
          <strong>{describe(offer)}</strong> {linked ? "Resuming it replaces the link's model shown above; " : ''}Training a new run replaces it.{' '}
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
