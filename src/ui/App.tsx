// The page: what the app is, the live status line, training, data and settings on the left,
// the panels of the selected pair on the right, and the compute backend with its self-test.
import { AdaptPanel } from './AdaptPanel';
import { BackendPanel } from './BackendPanel';
import { DataPanel } from './DataPanel';
import { MapsPanel } from './MapsPanel';
import { ModelPanel } from './ModelPanel';
import { SavedRunBanner } from './SavedRunBanner';
import { SelftestPanel } from './SelftestPanel';
import { SettingsPanel } from './SettingsPanel';
import { statusText } from './status';
import { useApp } from './StoreContext';
import { TrainingPanel } from './TrainingPanel';

export function App() {
  const status = useApp(statusText);
  return (
    <main>
      <header>
        <h1>Reciprocal Depth</h1>
        <p>
          Trains a stereo depth network (StereoNet) and a single-image depth network (SingleNet) on stereo photo pairs, live in
          your browser, with no ground truth: StereoNet learns from photometric consistency, SingleNet learns from StereoNet where
          both views see a pixel, and their occlusion-aware fusion fine-tunes StereoNet. The sample scenes below are loaded; press
          Train, or add your own pairs.
        </p>
        <p role="status" aria-live="polite" data-testid="status" className="status">
          {status}
        </p>
        <SavedRunBanner />
      </header>
      <div className="layout">
        <div className="side">
          <AdaptPanel />
          <TrainingPanel />
          <ModelPanel />
          <DataPanel />
          <SettingsPanel />
          <BackendPanel />
          <SelftestPanel />
        </div>
        <MapsPanel />
      </div>
      <footer className="muted">
        Sample scenes: Middlebury stereo datasets (Scharstein &amp; Szeliski 2002, 2003); see{' '}
        <a href="samples/ATTRIBUTION.md">samples/ATTRIBUTION.md</a>.
      </footer>
    </main>
  );
}
