package dev.bulwark.cli;

/** Where the commands' output goes besides the item logs ({@code --output}). */
enum OutputMode {
    /** Each item's output printed as one block when the item ends (GNU parallel's {@code --group}). */
    GROUP,
    /** Lines printed as the commands write them, from every running item (parallel's {@code --line-buffer}). */
    LINE,
    /** Kept in the item logs only. */
    LOG
}
