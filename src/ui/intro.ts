// The header's second sentence: what the maps below show now and the quickest next step. It
// follows the state, so the page never says "press Train" over the shipped model's depth, nor
// "the shipped model" over networks trained since.
import type { AppState } from '../state/store';

export function introText(s: Pick<AppState, 'training' | 'model'>): string {
  const { training: t, model: m } = s;
  const shipped = m.origin?.kind === 'pretrained';
  if (!t.hasWeights && m.loading) {
    return `The sample scenes below are loaded; ${m.loading.label.includes('pretrained/') ? 'the shipped model is loading to show their depth' : 'a model is loading'}. Train stays one click away.`;
  }
  if (!t.hasWeights) {
    return 'The sample scenes below are loaded. Load pretrained (under Model) shows their depth at once from the shipped model; Train teaches the networks from new weights (slow without a GPU). Add your own pairs at any time.';
  }
  if (t.phase !== 'idle' || m.trained) {
    return `The maps below are the networks being trained here${m.origin ? `, from ${m.origin.label}` : ''}. Train continues from these weights; Reset starts from new ones.`;
  }
  if (shipped) {
    return "The maps below are the sample scenes' depth from the shipped model, trained on other scenes (never these). Add your own pairs and Adapt to fine-tune it on them, or Train to run the three stages from it; Reset starts from new weights.";
  }
  return `The maps below are from ${m.origin ? m.origin.label : 'the current weights'}. Add your own pairs and Adapt to fine-tune it on them, or Train to run the three stages from it; Reset starts from new weights.`;
}
