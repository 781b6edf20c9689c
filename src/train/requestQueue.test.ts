// The worker's busy rule and run ids (src/train/requestQueue.ts), against a stand-in handler
// whose requests end when the test says so.
import { describe, expect, it } from 'vitest';
import { REPLY_TYPE, type FromWorker, type ToWorker } from './protocol';
import { RequestQueue } from './requestQueue';

const reqIdOf = (msg: FromWorker) => ('reqId' in msg ? msg.reqId : undefined);
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function setup() {
  const posted: { msg: FromWorker; transfer?: Transferable[] }[] = [];
  const started: string[] = [];
  const finish = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  let newRuns = 0;
  const queue = new RequestQueue(
    (msg) => {
      started.push(`${msg.type}#${msg.reqId}`);
      const body = msg.type === 'predict' ? { maps: { sceneId: 'a', width: 0, height: 0 } } : msg.type === 'checkpoint' ? { weightData: new ArrayBuffer(0) } : {};
      const reply = { type: REPLY_TYPE[msg.type], runId: msg.runId, reqId: msg.reqId, ...body } as FromWorker;
      if (msg.type === 'setScenes' || msg.type === 'control' || msg.type === 'previewScene') return Promise.resolve(reply);
      return new Promise<FromWorker>((resolve, reject) => finish.set(msg.reqId, { resolve: () => resolve(reply), reject }));
    },
    (msg, transfer) => posted.push({ msg, transfer }),
    () => (newRuns += 1),
  );
  let reqId = 0;
  /** Sends a request of `runId` (the current run unless said); returns its reqId. */
  const send = (type: ToWorker['type'], runId = queue.currentRunId): number => {
    reqId += 1;
    queue.receive({ type, runId, reqId } as ToWorker);
    return reqId;
  };
  /** What the page got for request `id`: its reply type, 'busy', or undefined (nothing yet, or dropped). */
  const answer = (id: number) => {
    const got = posted.find((p) => reqIdOf(p.msg) === id)?.msg;
    return got?.type === 'error' ? (got.message.startsWith('busy') ? 'busy' : `error: ${got.message}`) : got?.type;
  };
  const end = async (id: number, err?: Error) => {
    const f = finish.get(id)!;
    if (err) f.reject(err);
    else f.resolve();
    await settle();
  };
  return { queue, posted, started, send, answer, end, newRuns: () => newRuns };
}

async function training() {
  const t = setup();
  t.send('init', 1);
  await settle();
  await t.end(1);
  const train = t.send('train');
  await settle();
  expect(t.started).toEqual(['init#1', 'train#2']);
  return { ...t, train };
}

describe('RequestQueue: the busy rule', () => {
  it('answers setScenes, control and previewScene at once while a train runs', async () => {
    const t = await training();
    const ids = [t.send('setScenes'), t.send('control'), t.send('previewScene')];
    await settle();
    expect(ids.map(t.answer)).toEqual(['ack', 'ack', 'ack']);
    expect(t.answer(t.train)).toBeUndefined();
  });

  it('runs predict and checkpoint beside a train, one at a time', async () => {
    const t = await training();
    const predict = t.send('predict');
    await settle();
    expect(t.started).toContain(`predict#${predict}`);
    const second = t.send('checkpoint');
    expect(t.answer(second)).toBe('busy'); // the predict beside the train is still running
    await t.end(predict);
    expect(t.answer(predict)).toBe('predictResult');
    const checkpoint = t.send('checkpoint');
    await t.end(checkpoint);
    expect(t.answer(checkpoint)).toBe('checkpointResult');
    expect(t.answer(t.train)).toBeUndefined();
  });

  it("refuses anything else while a train runs, with a message that starts with 'busy'", async () => {
    const t = await training();
    const ids = [t.send('selftest'), t.send('loadModel'), t.send('train')];
    expect(ids.map(t.answer)).toEqual(['busy', 'busy', 'busy']);
    expect(t.posted.find((p) => reqIdOf(p.msg) === ids[1])?.msg).toMatchObject({ type: 'error', message: "busy: 'loadModel' refused while another request runs" });
    await t.end(t.train);
    expect(t.answer(t.train)).toBe('trainEnd');
    expect(t.started).toEqual(['init#1', 'train#2']);
  });

  it('queues a request on an idle worker, and refuses the next while it runs (a predict is not a train)', async () => {
    const t = setup();
    t.send('init', 1);
    expect(t.answer(t.send('predict'))).toBe('busy'); // the init is in flight
    await settle();
    await t.end(1);
    const predict = t.send('predict');
    await settle();
    expect(t.started).toEqual(['init#1', `predict#${predict}`]);
    expect([t.send('checkpoint'), t.send('loadModel')].map(t.answer)).toEqual(['busy', 'busy']);
    await t.end(predict);
    expect(t.answer(predict)).toBe('predictResult');
    const load = t.send('loadModel');
    await settle();
    expect(t.started).toEqual(['init#1', `predict#${predict}`, `loadModel#${load}`]);
  });

  it('refuses predict beside a train once another request (a new init) waits behind it', async () => {
    const t = await training();
    t.send('init', 2);
    expect(t.newRuns()).toBe(2);
    expect(t.answer(t.send('predict'))).toBe('busy');
  });

  it('turns a failed request into an error reply with its reqId', async () => {
    const t = setup();
    t.send('init', 1);
    await settle();
    await t.end(1, new Error('no backend'));
    expect(t.posted.map((p) => p.msg)).toEqual([{ type: 'error', runId: 1, reqId: 1, message: 'no backend' }]);
  });
});

describe('RequestQueue: run ids', () => {
  it('ignores an init that is not newer, and requests of another run', async () => {
    const t = setup();
    t.send('init', 3);
    t.send('init', 3);
    t.send('init', 2);
    t.send('selftest', 2);
    t.send('setScenes', 4);
    await settle();
    expect(t.started).toEqual(['init#1']);
    expect(t.newRuns()).toBe(1);
  });

  it('a newer init cancels training, runs once the request in progress ends, and drops that reply and the queued requests of the old run', async () => {
    const t = await training();
    t.queue.receive({ type: 'init', runId: 2, reqId: 10 } as ToWorker);
    expect(t.newRuns()).toBe(2);
    await settle();
    expect(t.started).toEqual(['init#1', 'train#2']); // the init waits for the train
    await t.end(t.train);
    expect(t.answer(t.train)).toBeUndefined(); // the old run's reply is dropped
    expect(t.started).toEqual(['init#1', 'train#2', 'init#10']);
    await t.end(10);
    expect(t.answer(10)).toBe('ready');
    expect(t.queue.currentRunId).toBe(2);
  });

  it('drops a request of the old run that still waited when the new init came', async () => {
    const t = setup();
    t.send('init', 1);
    await settle();
    await t.end(1);
    let release!: () => void;
    t.queue.after(() => new Promise<void>((resolve) => (release = resolve)), () => undefined);
    await settle();
    const selftest = t.send('selftest'); // waits for the task
    t.queue.receive({ type: 'init', runId: 2, reqId: 10 } as ToWorker);
    release();
    await settle();
    expect(t.started).toEqual(['init#1', 'init#10']);
    expect(t.answer(selftest)).toBeUndefined();
  });
});

describe('RequestQueue: work that is not a request', () => {
  it('runs after the request in progress; requests sent meanwhile wait for it instead of being refused', async () => {
    const t = setup();
    t.send('init', 1);
    await settle();
    let release!: () => void;
    const order: string[] = [];
    t.queue.after(
      async () => {
        order.push('task');
        await new Promise<void>((resolve) => (release = resolve));
        order.push('task done');
      },
      () => undefined,
    );
    await t.end(1);
    expect(order).toEqual(['task']);
    const predict = t.send('predict');
    await settle();
    expect(t.answer(predict)).toBeUndefined(); // waiting, not refused
    expect(t.started).toEqual(['init#1']);
    release();
    await settle();
    expect(order).toEqual(['task', 'task done']);
    expect(t.started).toEqual(['init#1', `predict#${predict}`]);
  });

  it('reports a failed task and goes on with the queue', async () => {
    const t = setup();
    const errors: unknown[] = [];
    t.queue.after(() => Promise.reject(new Error('restart failed')), (err) => errors.push(err));
    t.send('init', 1);
    await settle();
    expect(errors).toEqual([new Error('restart failed')]);
    expect(t.started).toEqual(['init#1']);
  });
});

describe('RequestQueue: replies', () => {
  it('hands over the buffers of a prediction instead of copying them', async () => {
    const maps = { sceneId: 'a', width: 2, height: 1, stereoDisp: new Float32Array(2), fusedDisp: new Float32Array(2) };
    const posted: { msg: FromWorker; transfer?: Transferable[] }[] = [];
    const queue = new RequestQueue(
      async (msg) => (msg.type === 'init' ? { type: 'ready', runId: 1, reqId: msg.reqId } : { type: 'predictResult', runId: msg.runId, reqId: msg.reqId, maps }) as FromWorker,
      (msg, transfer) => posted.push({ msg, transfer }),
      () => undefined,
    );
    queue.receive({ type: 'init', runId: 1, reqId: 1 } as ToWorker);
    await settle();
    queue.receive({ type: 'predict', runId: 1, reqId: 2, sceneId: 'a' });
    await settle();
    expect(posted[1].transfer).toEqual([maps.stereoDisp.buffer, maps.fusedDisp.buffer]);
  });
});
