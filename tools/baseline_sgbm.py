# Copied unchanged (below this header) from the project's shared tools folder, ../shared/tools/baseline_sgbm.py, where
# ../shared/tools/README.md states its settings and ../shared/tools/sgbm_results.jsonl holds the figures it printed;
# RESULTS.md ("SGBM, the classical baseline") quotes those figures.
#
# How to run it: Debian's OpenCV and Pillow packages, with the system Python (not a virtual environment):
#   apt-get install -y python3-opencv python3-pil
#   PYTHONPATH=../shared/tools /usr/bin/python3 tools/baseline_sgbm.py ../shared/data/stereo/*/ > sgbm_results.jsonl
# It imports stereo_io.py (the scene reader and the metrics) from ../shared/tools, hence the PYTHONPATH.
#
# Settings: StereoSGBM full 8-path (MODE_HH), block 5, P1 = 8*3*25, P2 = 32*3*25, uniqueness 10, speckle window 100 /
# range 2, disp12MaxDiff 1; numDisparities = the scene's largest GT disparity * 1.15 rounded up to 16 (SGBM is told the
# true range, which the networks are not). StereoBM: block 15, the same range. Unmatched pixels are filled from the
# left neighbour, so every GT pixel is scored.
"""Classical anchors on the stereo scenes: OpenCV StereoSGBM (full 8-path) and StereoBM, with no post-filling.
Invalid (unmatched) predictions are filled by left-neighbour propagation so every GT pixel is scored."""
import sys, glob, json, numpy as np, cv2
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from stereo_io import load_scene, metrics

def fill(d):
    d = d.copy()
    for y in range(d.shape[0]):
        last = 0.0
        for x in range(d.shape[1]):
            if d[y, x] <= 0: d[y, x] = last
            else: last = d[y, x]
    return d

def run(dirs):
    rows = []
    for d in dirs:
        name, L, R, gt, nonocc = load_scene(d)
        maxd = int(np.ceil(gt.max() * 1.15 / 16) * 16)
        gl, gr = cv2.cvtColor(L, cv2.COLOR_BGR2GRAY), cv2.cvtColor(R, cv2.COLOR_BGR2GRAY)
        sg = cv2.StereoSGBM_create(minDisparity=0, numDisparities=maxd, blockSize=5, P1=8*3*25, P2=32*3*25,
                                   uniquenessRatio=10, speckleWindowSize=100, speckleRange=2, disp12MaxDiff=1,
                                   mode=cv2.STEREO_SGBM_MODE_HH)
        bm = cv2.StereoBM_create(numDisparities=maxd, blockSize=15)
        for meth, disp in (("sgbm", sg.compute(L, R)), ("bm", bm.compute(gl, gr))):
            p = fill(disp.astype(np.float32) / 16.0)
            m = metrics(p, gt); row = {"scene": name, "method": meth, **{k: round(v, 2) for k, v in m.items()}}
            if nonocc is not None:
                mn = metrics(p, gt, nonocc); row["epe_nonocc"] = round(mn["epe"], 2); row["bad3_nonocc"] = round(mn["bad3"], 2)
                mo = metrics(p, gt, ~nonocc); row["epe_occ"] = round(mo["epe"], 2)
            rows.append(row)
    return rows

if __name__ == "__main__":
    for r in run(sys.argv[1:]): print(json.dumps(r))
