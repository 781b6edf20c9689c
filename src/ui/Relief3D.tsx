// A 3D relief of one disparity map of the selected pair (three.js, loaded only when the panel is
// opened): a grid whose height is the disparity (near is high), textured with the left image.
// Drag to orbit, wheel to zoom, double-click (as on the maps) or Reset view to go back to the
// first view. Redrawn when the map changes or the camera moves.
import { useEffect, useRef, type RefObject } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { SceneData } from '../state/buffers';
import type { MapKey } from '../state/view';
import { mapSource } from './maps';
import { useAppStore } from './StoreContext';
import { useChanged, useFrame } from './useFrame';

/** Longest side of the relief grid in vertices (the map is sampled down to it). */
const GRID = 192;

interface Three {
  renderer: THREE.WebGLRenderer;
  scene: THREE.Scene;
  camera: THREE.PerspectiveCamera;
  controls: OrbitControls;
  mesh?: THREE.Mesh<THREE.PlaneGeometry, THREE.MeshBasicMaterial>;
}

function leftTexture(scene: SceneData): THREE.DataTexture {
  const { width, height, leftImg } = scene;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      const o = 4 * ((height - 1 - y) * width + x); // texture rows go bottom-up
      rgba[o] = leftImg.data[i] * 255;
      rgba[o + 1] = leftImg.data[i + 1] * 255;
      rgba[o + 2] = leftImg.data[i + 2] * 255;
      rgba[o + 3] = 255;
    }
  }
  const tex = new THREE.DataTexture(rgba, width, height, THREE.RGBAFormat);
  tex.colorSpace = THREE.SRGBColorSpace;
  tex.needsUpdate = true;
  return tex;
}

/** Plane of aspect W:H, 2 units across; heights = disparity / max disparity * relief. */
function reliefGeometry(data: Float32Array, w: number, h: number, aspect: number, relief: number): THREE.PlaneGeometry {
  const gw = Math.max(2, Math.round(w >= h ? GRID : (GRID * w) / h));
  const gh = Math.max(2, Math.round(h > w ? GRID : (GRID * h) / w));
  const geo = new THREE.PlaneGeometry(2, 2 / aspect, gw - 1, gh - 1);
  let max = 0;
  let min = Infinity;
  for (const v of data) {
    if (!(Number.isFinite(v) && v > 0)) continue;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const pos = geo.attributes.position as THREE.BufferAttribute;
  for (let j = 0; j < gh; j++) {
    const y = Math.min(h - 1, Math.floor((j * h) / gh));
    for (let i = 0; i < gw; i++) {
      const x = Math.min(w - 1, Math.floor((i * w) / gw));
      const d = data[y * w + x];
      // No value (GT 0, or not finite): the lowest valid height, so holes do not show as spikes.
      pos.setZ(j * gw + i, max > 0 ? ((Number.isFinite(d) && d > 0 ? d : min) / max) * relief : 0);
    }
  }
  pos.needsUpdate = true;
  return geo;
}

/** The relief's camera back where it started: what double-click and Reset view do. */
export type ResetOrbit = () => void;

export default function Relief3D({ mapKey, relief, resetRef }: { mapKey: MapKey; relief: number; resetRef?: RefObject<ResetOrbit | null> }) {
  const store = useAppStore();
  const boxRef = useRef<HTMLDivElement>(null);
  const three = useRef<Three | null>(null);
  const dirty = useRef(true);
  const changed = useChanged();

  useEffect(() => {
    const box = boxRef.current!;
    const width = Math.max(200, box.clientWidth);
    const height = Math.round(width * 0.6);
    const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    renderer.setPixelRatio(window.devicePixelRatio);
    renderer.setSize(width, height);
    renderer.domElement.setAttribute('aria-label', 'Relief: drag to orbit, wheel to zoom, double-click to reset the view');
    box.appendChild(renderer.domElement);
    const scene = new THREE.Scene();
    scene.background = new THREE.Color(0x202020);
    const camera = new THREE.PerspectiveCamera(40, width / height, 0.01, 100);
    camera.position.set(0, -1.6, 1.9);
    const controls = new OrbitControls(camera, renderer.domElement);
    controls.addEventListener('change', () => (dirty.current = true));
    controls.saveState(); // the first view, for reset()
    const reset = () => controls.reset(); // dispatches 'change': the frame loop redraws
    renderer.domElement.addEventListener('dblclick', reset);
    if (resetRef) resetRef.current = reset;
    three.current = { renderer, scene, camera, controls };
    return () => {
      renderer.domElement.removeEventListener('dblclick', reset);
      if (resetRef) resetRef.current = null;
      controls.dispose();
      three.current?.mesh?.geometry.dispose();
      three.current?.mesh?.material.map?.dispose();
      three.current?.mesh?.material.dispose();
      renderer.dispose();
      renderer.domElement.remove();
      three.current = null;
    };
  }, [resetRef]);

  useFrame(() => {
    const t = three.current;
    if (!t) return;
    const s = store.getState();
    const id = s.dataset.selectedId;
    if (changed([s.buffers.version, s.training.previewVersion, id, mapKey, relief])) {
      const sceneData = id !== undefined ? s.buffers.scenes.get(id) : undefined;
      const src = mapSource(mapKey, sceneData, s.buffers, s.view.errorOf);
      if (t.mesh) {
        t.scene.remove(t.mesh);
        t.mesh.geometry.dispose();
        t.mesh.material.map?.dispose();
        t.mesh.material.dispose();
        t.mesh = undefined;
      }
      if (sceneData && src && src.kind === 'disp') {
        const geo = reliefGeometry(src.data, src.width, src.height, sceneData.width / sceneData.height, relief);
        t.mesh = new THREE.Mesh(geo, new THREE.MeshBasicMaterial({ map: leftTexture(sceneData), side: THREE.DoubleSide }));
        t.scene.add(t.mesh);
      }
      dirty.current = true;
    }
    if (dirty.current) {
      dirty.current = false;
      t.renderer.render(t.scene, t.camera);
    }
  });

  return <div ref={boxRef} className="relief" />;
}
