// Questions the intake asks: a partner for each lone image, the scale of GT files whose name does
// not tell it, and what to do with images above 4 megapixels.
import { useState } from 'react';
import { MAX_PIXELS } from '../data/intake';
import type { GtQuestion, LoneImage } from '../state/dataset';
import { useApp } from './StoreContext';
import './uploads.css';

function LoneRow({ lone, others }: { lone: LoneImage; others: LoneImage[] }) {
  const pairLone = useApp((s) => s.pairLone);
  const dismiss = useApp((s) => s.dismissLone);
  const [partner, setPartner] = useState('');
  const [isRight, setIsRight] = useState(lone.side === 'right');
  const pair = () => partner && void (isRight ? pairLone(partner, lone.path) : pairLone(lone.path, partner));
  return (
    <li>
      <code>{lone.path}</code>{' '}
      <label>
        partner{' '}
        <select value={partner} onChange={(e) => setPartner(e.target.value)} aria-label={`Partner of ${lone.path}`}>
          <option value="">choose…</option>
          {others.map((o) => (
            <option key={o.path} value={o.path}>
              {o.path}
            </option>
          ))}
        </select>
      </label>{' '}
      <label>
        <input type="checkbox" checked={isRight} onChange={(e) => setIsRight(e.target.checked)} /> this is the right view
      </label>{' '}
      <button type="button" disabled={!partner} onClick={pair}>
        Pair
      </button>{' '}
      <button type="button" onClick={() => dismiss(lone.path)}>
        Remove
      </button>
    </li>
  );
}

/**
 * The GT scales of the common datasets (disparity = stored value / scale), offered as one-click
 * answers. Middlebury scales each release's maps by its downsampling: 2001 by 8 (tsukuba 16),
 * 2003 quarter size by 4, 2005 / 2006 third size by 3, half sizes by 2, full sizes by 1; KITTI
 * stores 256 x disparity in 16-bit PNGs. PFM maps need no scale and are never asked about.
 */
export const COMMON_GT_SCALES: readonly { scale: number; what: string }[] = [
  { scale: 1, what: 'disparity stored as is (Middlebury full size)' },
  { scale: 2, what: 'Middlebury 2003 / 2005 / 2006 half size' },
  { scale: 3, what: 'Middlebury 2005 / 2006 third size' },
  { scale: 4, what: 'Middlebury 2003 quarter size (teddy, cones)' },
  { scale: 8, what: 'Middlebury 2001 (venus, sawtooth, bull, poster, barn)' },
  { scale: 16, what: 'Middlebury 2001 tsukuba' },
  { scale: 256, what: 'KITTI 2012 / 2015 (16-bit PNG)' },
];

function GtRow({ q }: { q: GtQuestion }) {
  const answer = useApp((s) => s.answerGtScale);
  const skip = useApp((s) => s.skipGt);
  const [text, setText] = useState('');
  const scale = Number(text);
  const valid = text.trim() !== '' && Number.isFinite(scale) && scale > 0;
  return (
    <li>
      Pair <strong>{q.pairName}</strong>, GT <code>{q.file}</code>: disparity = value / scale. Its scale is one of these for the usual datasets:
      <ul className="gt-scales" aria-label={`Common GT scales for ${q.file}`}>
        {COMMON_GT_SCALES.map((c) => (
          <li key={c.scale}>
            <button type="button" aria-label={`Scale ${c.scale}: ${c.what}`} onClick={() => void answer(q.pairId, c.scale)}>
              <strong>{c.scale}</strong> {c.what}
            </button>
          </li>
        ))}
      </ul>
      or another:{' '}
      <label>
        GT scale for {q.file}{' '}
        <input type="number" min={0} step="any" value={text} onChange={(e) => setText(e.target.value)} style={{ width: '6em' }} />
      </label>{' '}
      <button type="button" disabled={!valid} onClick={() => void answer(q.pairId, scale)}>
        Attach GT
      </button>{' '}
      <button type="button" onClick={() => skip(q.pairId)}>
        No GT
      </button>
    </li>
  );
}

export function PendingPanel() {
  const lone = useApp((s) => s.dataset.lone);
  const gtQuestions = useApp((s) => s.dataset.gtQuestions);
  const large = useApp((s) => s.dataset.largeOffers);
  const resolveLarge = useApp((s) => s.resolveLarge);
  return (
    <>
      {lone.length > 0 && (
        <div className="pending" role="group" aria-label="Images with no partner">
          <h3>Images with no partner</h3>
          <ul>
            {lone.map((l) => (
              <LoneRow key={l.path} lone={l} others={lone.filter((o) => o.path !== l.path)} />
            ))}
          </ul>
        </div>
      )}
      {gtQuestions.length > 0 && (
        <div className="pending" role="group" aria-label="Ground truth scale">
          <h3>Ground truth scale</h3>
          <ul>
            {gtQuestions.map((q) => (
              <GtRow key={q.pairId} q={q} />
            ))}
          </ul>
        </div>
      )}
      {large.length > 0 && (
        <div className="pending" role="group" aria-label="Large images">
          <h3>Large images</h3>
          <ul>
            {large.map((o) => (
              <li key={o.id}>
                Pair <strong>{o.name}</strong> is {o.width}×{o.height} ({((o.width * o.height) / 1e6).toFixed(1)} megapixels, over {MAX_PIXELS / 1e6}): training
                and previews would be slow. Nothing is decoded until you choose.{' '}
                <button type="button" onClick={() => void resolveLarge(o.id, 2)}>
                  Downscale ×2 ({Math.floor(o.width / 2)}×{Math.floor(o.height / 2)})
                </button>{' '}
                <button type="button" onClick={() => void resolveLarge(o.id, 4)}>
                  Downscale ×4 ({Math.floor(o.width / 4)}×{Math.floor(o.height / 4)})
                </button>{' '}
                <button type="button" onClick={() => void resolveLarge(o.id, 1)}>
                  Add at full size
                </button>{' '}
                <button type="button" onClick={() => void resolveLarge(o.id, 'skip')}>
                  Skip
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
