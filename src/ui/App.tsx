// The page: what the app is and what its maps show now, the live status line, training, data and
// settings on the left, the panels of the selected pair on the right, and the compute backend
// with its self-test. On a narrow screen (one column) the slots are reordered in app.css so the
// maps come right after the Train / Load buttons and the pair list, and the diagnostics go last.
import { AdaptPanel } from './AdaptPanel';
import { BackendPanel } from './BackendPanel';
import { DataPanel } from './DataPanel';
import { introText } from './intro';
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
  const intro = useApp(introText);
  return (
    <main>
      <header>
        <h1>Reciprocal Depth</h1>
        <p className="about">
          Depth from stereo photo pairs, learnt live in your browser with no ground truth: a stereo network (StereoNet) learns from
          photometric consistency, a single-image network (SingleNet) from StereoNet, and their occlusion-aware fusion fine-tunes
          StereoNet.
        </p>
        <p data-testid="intro">{intro}</p>
        <p role="status" aria-live="polite" data-testid="status" className="status">
          {status}
        </p>
        <SavedRunBanner place="header" />
      </header>
      <div className="layout">
        <div className="side">
          <div className="slot-adapt">
            <AdaptPanel />
          </div>
          <div className="slot-training">
            <TrainingPanel />
          </div>
          <div className="slot-model">
            <ModelPanel />
          </div>
          <div className="slot-data">
            <DataPanel />
          </div>
          <div className="slot-settings">
            <SettingsPanel />
          </div>
          <div className="slot-backend">
            <BackendPanel />
          </div>
          <div className="slot-selftest">
            <SelftestPanel />
          </div>
        </div>
        <div className="slot-maps">
          <MapsPanel />
        </div>
      </div>
      <footer className="muted">
        Sample scenes: Middlebury stereo datasets (Scharstein &amp; Szeliski 2002, 2003); see{' '}
        <a href="samples/ATTRIBUTION.md">samples/ATTRIBUTION.md</a>.
      </footer>
    </main>
  );
}
