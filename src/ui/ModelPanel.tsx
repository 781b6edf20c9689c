// Saving, loading and sharing the model: download it as model.json + weights.bin, import those
// files (or drop them on the page), load one by URL or the pretrained one, and make share
// links. Every address and message is shown as text (React escapes it), never as HTML.
import { useState } from 'react';
import { PRETRAINED_DEFAULT } from '../persist/modelUrl';
import { settingsNote } from '../state/modelSlice';
import { filesFromList } from './dropFiles';
import { SavedRunBanner } from './SavedRunBanner';
import { useApp } from './StoreContext';

function save(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function LoadProgress() {
  const loading = useApp((s) => s.model.loading);
  if (!loading) return null;
  const known = loading.total > 0;
  return (
    <p className="model-progress">
      <progress aria-label="Model download" max={known ? loading.total : undefined} value={known ? loading.loaded : undefined} /> Loading {loading.label}
      {known && ` — ${Math.round(loading.loaded / 1024)} / ${Math.round(loading.total / 1024)} KB`}…
    </p>
  );
}

function SharePanel({ onClose }: { onClose: () => void }) {
  const share = useApp((s) => s.model.share);
  const hasWeights = useApp((s) => s.training.hasWeights);
  const shareInline = useApp((s) => s.shareInline);
  const shareHosted = useApp((s) => s.shareHosted);
  const [hosted, setHosted] = useState('');
  const [copied, setCopied] = useState(false);
  return (
    <div className="share" role="group" aria-label="Share">
      <p>
        <button type="button" disabled={!hasWeights || share.busy} onClick={() => void shareInline()}>
          Link with the weights inside
        </button>{' '}
        <span className="muted">No server needed; small (tiny) networks only.</span>
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          shareHosted(hosted);
        }}
      >
        <label>
          URL of a model.json you host{' '}
          <input type="url" value={hosted} placeholder="https://…/model.json" onChange={(e) => setHosted(e.target.value)} size={32} />
        </label>{' '}
        <button type="submit" disabled={hosted.trim() === ''}>
          Link to it
        </button>
      </form>
      {share.busy && <p>Making the link…</p>}
      {share.error && (
        <p role="alert" className="problem">
          {share.error}
        </p>
      )}
      {share.link && (
        <p>
          <input aria-label="Share link" readOnly value={share.link} size={40} onFocus={(e) => e.target.select()} />{' '}
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard?.writeText(share.link!).then(
                () => setCopied(true),
                () => setCopied(false),
              );
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
          <br />
          <span className="muted">{share.note}</span>
        </p>
      )}
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

export function ModelPanel() {
  const idle = useApp((s) => s.training.phase === 'idle');
  const ready = useApp((s) => s.runtime.ready);
  const hasWeights = useApp((s) => s.training.hasWeights);
  const loading = useApp((s) => s.model.loading !== undefined);
  const error = useApp((s) => s.model.error);
  const info = useApp((s) => s.model.info);
  const changes = useApp((s) => s.model.settingsChanges);
  const modelFiles = useApp((s) => s.modelFiles);
  const importModelFiles = useApp((s) => s.importModelFiles);
  const loadModelFromUrl = useApp((s) => s.loadModelFromUrl);
  const clearShare = useApp((s) => s.clearShare);
  const [url, setUrl] = useState('');
  const [sharing, setSharing] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const canLoad = idle && ready && !loading;

  const download = async () => {
    setSaveError(undefined);
    try {
      for (const f of await modelFiles()) save(f.blob, f.name);
    } catch (e) {
      setSaveError(`Could not save the model: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return (
    <section aria-labelledby="model-heading">
      <h2 id="model-heading">Model</h2>
      <div className="buttons">
        <button type="button" disabled={!idle || !hasWeights} onClick={() => void download()} title="model.json (configs, settings, format version) and weights.bin">
          Download model
        </button>
        <label className={canLoad ? 'file-button' : 'file-button disabled'}>
          Import model
          <input
            type="file"
            multiple
            accept=".json,.bin,application/json"
            disabled={!canLoad}
            onChange={(e) => {
              const files = filesFromList(e.target.files);
              e.target.value = '';
              if (files.length > 0) void importModelFiles(files);
            }}
          />
        </label>
        <button type="button" disabled={!canLoad} onClick={() => void loadModelFromUrl(PRETRAINED_DEFAULT)} title="The model shipped with this app (pretrained/default)">
          Load pretrained
        </button>
        <button
          type="button"
          aria-expanded={sharing}
          onClick={() => {
            clearShare();
            setSharing(!sharing);
          }}
        >
          Share…
        </button>
      </div>
      <form
        className="model-url"
        onSubmit={(e) => {
          e.preventDefault();
          void loadModelFromUrl(url);
        }}
      >
        <label>
          Model URL{' '}
          <input type="text" inputMode="url" value={url} placeholder="https://…/model.json or pretrained/default" onChange={(e) => setUrl(e.target.value)} size={30} />
        </label>{' '}
        <button type="submit" disabled={!canLoad || url.trim() === ''}>
          Load
        </button>
      </form>
      <LoadProgress />
      {error && (
        <p role="alert" className="problem" data-testid="model-error">
          {error}
        </p>
      )}
      {saveError && (
        <p role="alert" className="problem">
          {saveError}
        </p>
      )}
      {info && !error && <p className="muted" data-testid="model-info">{info}</p>}
      {changes && !error && (
        // which settings: folded, so the buttons and the maps stay near the top on a phone
        <details className="muted model-settings" data-testid="model-settings">
          <summary>
            {changes.replaced.length > 0 && `The model's settings replaced ${changes.replaced.length} of the page's`}
            {changes.replaced.length > 0 && changes.kept.length > 0 && '; '}
            {changes.kept.length > 0 && `${changes.kept.length} kept from the page address`}
          </summary>
          {settingsNote(changes.replaced, changes.kept)}
        </details>
      )}
      <SavedRunBanner place="model" />
      {sharing && <SharePanel onClose={() => setSharing(false)} />}
      <p className="muted drop-hint">Drop a model.json with its weights.bin anywhere on the page to load it. Loading replaces the current networks.</p>
    </section>
  );
}
