// Adding data: files, a folder or a .zip by picker or drop; the questions and messages about
// them; the list of pairs.
import { useEffect, useState } from 'react';
import type { IntakeFile } from '../data/intake';
import { isModelFile } from '../persist/modelFiles';
import { filesFromDrop, filesFromList } from './dropFiles';
import { Notices } from './Notices';
import { PairsList } from './PairsList';
import { PendingPanel } from './PendingPanel';
import { useApp } from './StoreContext';

export function DataPanel() {
  const addFiles = useApp((s) => s.addFiles);
  const importModelFiles = useApp((s) => s.importModelFiles);
  const loading = useApp((s) => s.dataset.loading);
  const [over, setOver] = useState(false);

  // The whole window takes drops: a file dropped beside the drop zone must not make the browser
  // open it in place of the page (and lose the training).
  useEffect(() => {
    const onOver = (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      setOver(true);
    };
    const onLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) setOver(false);
    };
    const onDrop = async (e: DragEvent) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      setOver(false);
      // A model (model.json and its .bin files) loads as the model; everything else is pairs.
      const files = await filesFromDrop(e.dataTransfer);
      const model = files.filter((f) => isModelFile(f.path));
      const pairs = files.filter((f) => !isModelFile(f.path));
      if (model.length > 0) void importModelFiles(model);
      if (pairs.length > 0) void addFiles(pairs);
    };
    const drop = (e: DragEvent) => void onDrop(e);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', drop);
    };
  }, [addFiles, importModelFiles]);

  const add = (files: IntakeFile[]) => {
    if (files.length > 0) void addFiles(files);
  };

  return (
    <section aria-labelledby="data-heading">
      <h2 id="data-heading">Stereo pairs</h2>
      <div className={over ? 'dropzone over' : 'dropzone'}>
        <p>
          Drop rectified stereo pairs anywhere on the page: image files, folders or a .zip. Pairs are matched by name (left/right, _L/_R, im0/im1,
          im2/im6, KITTI image_2/image_3); ground truth (disp*.png/pgm/pfm), mask_nonocc and a Middlebury calib.txt are attached when present.
          Scenes whose files share names (a/left.png, b/left.png) are told apart by their folders: add or drop the folders, as the file picker gives
          names only.
        </p>
        <label className="file-button">
          Add stereo pairs
          <input
            type="file"
            multiple
            accept="image/*,.pgm,.ppm,.pfm,.zip"
            onChange={(e) => {
              add(filesFromList(e.target.files));
              e.target.value = '';
            }}
          />
        </label>{' '}
        <label className="file-button">
          Add a folder
          <input
            type="file"
            ref={(el) => el?.setAttribute('webkitdirectory', '') /* not in React's types */}
            onChange={(e) => {
              add(filesFromList(e.target.files));
              e.target.value = '';
            }}
          />
        </label>
        {loading > 0 && <span className="loading"> Reading files…</span>}
      </div>
      <Notices />
      <PendingPanel />
      <PairsList />
    </section>
  );
}
