// Runs one forward pass of each network in the worker and lists the outputs.
import { useApp } from './StoreContext';

const SELFTEST_WIDTH = 64;
const SELFTEST_HEIGHT = 32;

export function SelftestPanel() {
  const ready = useApp((s) => s.runtime.ready);
  const running = useApp((s) => s.selftest.running);
  const result = useApp((s) => s.selftest.result);
  const error = useApp((s) => s.selftest.error);
  const runSelftest = useApp((s) => s.runSelftest);

  return (
    <section aria-labelledby="selftest-heading">
      <h2 id="selftest-heading">Self-test</h2>
      <button type="button" disabled={!ready || running} onClick={() => void runSelftest(SELFTEST_WIDTH, SELFTEST_HEIGHT)}>
        Run self-test ({SELFTEST_WIDTH}×{SELFTEST_HEIGHT})
      </button>
      {error !== undefined && <p role="alert">Self-test failed: {error}</p>}
      {result && (
        <div data-testid="selftest-result">
          <p>
            {result.ok ? 'Passed' : 'Failed'} on {result.backend} in {Math.round(result.ms)} ms; parameters: StereoNet{' '}
            {result.params.stereo.toLocaleString()}, SingleNet {result.params.single.toLocaleString()}; tensors before{' '}
            {result.numTensorsBefore}, after {result.numTensorsAfter}.
          </p>
          {result.problems.length > 0 && (
            <ul>
              {result.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          <table>
            <thead>
              <tr>
                <th scope="col">output</th>
                <th scope="col">shape</th>
                <th scope="col">min</th>
                <th scope="col">max</th>
                <th scope="col">finite</th>
              </tr>
            </thead>
            <tbody>
              {result.outputs.map((o) => (
                <tr key={o.name}>
                  <td>{o.name}</td>
                  <td>[{o.shape.join(', ')}]</td>
                  <td>{o.min.toFixed(3)}</td>
                  <td>{o.max.toFixed(3)}</td>
                  <td>{o.finite ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
