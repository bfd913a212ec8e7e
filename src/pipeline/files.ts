export { fileChunks } from "../storage/file-chunks.ts";
