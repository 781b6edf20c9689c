// The maps of a pair from the worker's current weights: the pair selected, predicted one at a time
// (the worker refuses a second predict as busy), and Adapt's scoring of the user's pairs with GT
// before and after (./adapt.ts). During a run the selected pair becomes the worker's preview pair
// instead (store.test.ts, "selecting a pair during training makes it the preview pair"). Part of
// the training slice (./training.ts); the scores: adapt.test.ts.
import type { PredictReply } from '../train/protocol';
import { scoreMaps, type MapScores } from './adapt';
import { errorText, patch, type SliceDeps } from './slice';
import type { LiveRun } from './trainingProgress';
import type { TrainingActions, TrainingSlice } from './training';

export interface Predictions extends Pick<TrainingActions, 'showPair'> {
  /** The predict loop of showPair while it runs (Adapt waits for the maps being shown before scoring). */
  shown: () => Promise<void> | undefined;
  /** Predicts each pair of `ids` that has GT from the current weights, shows its maps and scores them. */
  scorePairs: (ids: readonly string[]) => Promise<Record<string, MapScores>>;
}

export function predictions(d: SliceDeps, live: LiveRun): Predictions {
  const { get, client, buffers } = d;
  const tr = () => get().training;
  const setTr = (fields: Partial<TrainingSlice>) => patch(d, 'training', fields);

  /** The predict loop of showPair while it runs, and the pair it should predict next. */
  let predicting: Promise<void> | undefined;
  let wantedPair: string | undefined;
  /** The last predict asked of the worker: the next waits for it (the worker refuses a second as busy). */
  let lastPredict: Promise<unknown> = Promise.resolve();

  const predictOne = (id: string): Promise<PredictReply> => {
    const reply = lastPredict.then(() => client.predict(id));
    lastPredict = reply.catch(() => undefined);
    return reply;
  };

  return {
    shown: () => predicting,

    scorePairs: async (ids) => {
      const out: Record<string, MapScores> = {};
      for (const id of ids) {
        const scene = buffers.scenes.get(id);
        if (!scene?.gtDisp) continue;
        const reply = await predictOne(id);
        buffers.setPreview(reply.maps);
        out[id] = scoreMaps(reply.maps, buffers.scenes.get(id));
      }
      setTr({ previewVersion: tr().previewVersion + 1 });
      return out;
    },

    showPair: async (id) => {
      const phase = tr().phase;
      if (phase !== 'idle') {
        const sample = live.scope === 'own' && get().dataset.pairs.find((p) => p.id === id)?.sample === true;
        await client.previewScene(id).then(
          (ack) => setTr({ note: sample ? 'Adapt trains on your own pairs only: the maps of this sample scene come back when it ends.' : ack.note }),
          () => undefined,
        );
        return;
      }
      if (!tr().hasWeights) return;
      // One predict at a time (the worker refuses a second as busy): a pair asked for meanwhile
      // is predicted next, and only the latest one asked for (store.test.ts, "pairs chosen quickly").
      wantedPair = id;
      predicting ??= (async () => {
        try {
          while (wantedPair !== undefined) {
            const next = wantedPair;
            wantedPair = undefined;
            await get().syncScenes();
            try {
              const reply = await predictOne(next);
              buffers.setPreview(reply.maps);
              setTr({ previewVersion: tr().previewVersion + 1 });
            } catch (err) {
              setTr({ note: `No maps for this pair yet: ${errorText(err)}` });
            }
          }
        } finally {
          predicting = undefined;
        }
      })();
      await predicting;
    },
  };
}
