// Ink 6.8 after a resize (ink.js) wrote the rows that changed over what the terminal had
// cropped or reflowed, and first drew the app's tree at its old size (the app re-renders at
// the new one only after Ink's own resize handler): fragments of the wide frame stayed, or
// the frame shifted a row. With the render option `wholeFrameAfterResize` (a full-screen app
// drawn from the top left corner), the next frame after a resize is drawn whole (log-update's
// `redrawWhole`, ink-log-update.mjs), and only once the app has re-rendered at the new size.
/** @type {import('./index.mjs').Patch} */
export default {
  package: 'ink',
  version: '6.8.0',
  file: 'build/ink.js',
  why: 'a whole frame after a resize, drawn once the app has re-rendered at the new size (no fragments of the old frame)',
  edits: [
    [
      `    resized = () => {
        const currentWidth = this.getTerminalWidth();`,
      `    resized = () => {
        if (this.options.wholeFrameAfterResize && this.log.redrawWhole) {
            // The next frame is drawn whole, once the app has re-rendered at the new size (see onRender).
            this.log.redrawWhole();
            this.wholeFramePending = true;
            this.lastOutput = '';
            this.lastOutputToRender = '';
            this.lastOutputHeight = 0;
            this.lastTerminalWidth = this.getTerminalWidth();
            // An app that does not re-render for this size (it did not change) is drawn anyway.
            setImmediate(() => this.onRender());
            return;
        }
        const currentWidth = this.getTerminalWidth();`,
    ],
    [
      `    onRender = () => {
        this.hasPendingThrottledRender = false;
        if (this.isUnmounted) {
            return;
        }`,
      `    onRender = () => {
        this.hasPendingThrottledRender = false;
        if (this.isUnmounted) {
            return;
        }
        if (this.wholeFramePending) {
            // Until the app re-renders for the new size (React may schedule that after this), its tree is
            // the old size: wider or taller than the terminal, drawn it would wrap or scroll. Not drawn.
            const root = this.rootNode.yogaNode;
            let width = 0;
            for (let i = 0; i < root.getChildCount(); i++) width = Math.max(width, root.getChild(i).getComputedWidth());
            if (width > this.getTerminalWidth() || root.getComputedHeight() >= (this.options.stdout.rows || Infinity)) return;
            this.wholeFramePending = false;
        }`,
    ],
  ],
};
