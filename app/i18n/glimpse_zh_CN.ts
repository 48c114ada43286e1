<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Application</name>
    <message>
        <source>Glimpse hit a bug</source>
        <translation>Glimpse 遇到了一个程序错误</translation>
    </message>
    <message>
        <source>Something went wrong that Glimpse did not expect: {error}

Your library is safe; the details below help to fix it.</source>
        <translation>发生了 Glimpse 未预料到的问题：{error}

您的媒体库安然无恙；下方的详细信息有助于修复此问题。</translation>
    </message>
</context>
<context>
    <name>ClipTimeline</name>
    <message>
        <source>Timeline</source>
        <extracomment>How near (px) a press must be to a handle to drag it rather than seek.</extracomment>
        <translation>时间轴</translation>
    </message>
    <message>
        <source>Clip {range}</source>
        <translation>片段 {range}</translation>
    </message>
    <message>
        <source>Clip {range}, best moment {best}</source>
        <translation>片段 {range}，最佳时刻 {best}</translation>
    </message>
    <message>
        <source>Export {range}: drag the handles, or press I / O to set the in / out point at the playhead</source>
        <translation>导出 {range}：拖动手柄，或按 I / O 键将入点 / 出点设在播放头处</translation>
    </message>
</context>
<context>
    <name>CopiesNote</name>
    <message>
        <source> · also in 1 other file</source>
        <translation> · 另有 1 个文件包含此片段</translation>
    </message>
    <message>
        <source> · also in {n} other files</source>
        <translation> · 另有 {n} 个文件包含此片段</translation>
    </message>
    <message>
        <source>Open the copy {name}</source>
        <translation>打开副本 {name}</translation>
    </message>
</context>
<context>
    <name>EngineMessages</name>
    <message>
        <source>The query is empty; type what you are looking for.</source>
        <translation>搜索内容为空；请输入您要查找的内容。</translation>
    </message>
    <message>
        <source>The query is longer than the model can read; only its beginning was used.</source>
        <translation>搜索内容超出了模型能读取的长度；只使用了开头部分。</translation>
    </message>
    <message>
        <source>The library has no indexed videos yet.</source>
        <translation>媒体库中还没有已索引的视频。</translation>
    </message>
    <message>
        <source>Text and image queries need the library&apos;s model, and none is loaded.</source>
        <translation>文字和图片搜索需要媒体库的模型，但尚未加载任何模型。</translation>
    </message>
    <message>
        <source>Clip {id} is not in the library (it may have been reindexed).</source>
        <translation>片段 {id} 不在媒体库中（它可能已被重新索引）。</translation>
    </message>
    <message>
        <source>{path} is a folder, not an image.</source>
        <translation>{path} 是一个文件夹，不是图片。</translation>
    </message>
    <message>
        <source>The image {path} does not exist.</source>
        <translation>图片 {path} 不存在。</translation>
    </message>
    <message>
        <source>{name} is not an image Glimpse can read.</source>
        <translation>{name} 不是 Glimpse 能读取的图片。</translation>
    </message>
    <message>
        <source>This library was indexed with {old}, not with {new}; reindex needed before searching with this model (search never mixes vectors of two models).</source>
        <translation>此媒体库是用 {old} 索引的，而不是 {new}；用这个模型搜索前需要重新索引（搜索从不混用两个模型的向量）。</translation>
    </message>
    <message>
        <source>The library database {path} is locked by another program; close it or try again shortly.</source>
        <translation>媒体库数据库 {path} 被另一个程序锁定；请关闭该程序或稍后再试。</translation>
    </message>
    <message>
        <source>The library database {path} is damaged or not a database; restore a backup or start a new library.</source>
        <translation>媒体库数据库 {path} 已损坏或不是数据库；请恢复备份或新建一个媒体库。</translation>
    </message>
    <message>
        <source>The library database {path} cannot be opened (missing folder or no permission).</source>
        <translation>无法打开媒体库数据库 {path}（文件夹不存在或没有权限）。</translation>
    </message>
    <message>
        <source>The library database {path} is read-only here.</source>
        <translation>媒体库数据库 {path} 在此处是只读的。</translation>
    </message>
    <message>
        <source>The disk holding the library database {path} is full.</source>
        <translation>存放媒体库数据库 {path} 的磁盘已满。</translation>
    </message>
    <message>
        <source>The library database {path} failed: {detail}</source>
        <translation>媒体库数据库 {path} 出错：{detail}</translation>
    </message>
    <message>
        <source>The weights for {spec} are not on this computer and cannot be downloaded right now ({why}). Connect to the internet once so Glimpse can download them, or give a local checkpoint instead (a TeachCLIP/CLIP4Clip .bin/.pt file or a Glimpse model folder).</source>
        <translation>{spec} 的权重不在这台电脑上，目前也无法下载（{why}）。请联网一次以便 Glimpse 下载，或改用本地检查点（TeachCLIP/CLIP4Clip 的 .bin/.pt 文件或 Glimpse 模型文件夹）。</translation>
    </message>
    <message>
        <source>The model file {spec} does not exist.</source>
        <translation>模型文件 {spec} 不存在。</translation>
    </message>
    <message>
        <source>not a video (the contents are not a known video format).</source>
        <translation>不是视频（内容不是已知的视频格式）。</translation>
    </message>
    <message>
        <source>not a video (the file is empty).</source>
        <translation>不是视频（文件是空的）。</translation>
    </message>
    <message>
        <source>not a video (no such file).</source>
        <translation>不是视频（文件不存在）。</translation>
    </message>
    <message>
        <source>not a video (not a regular file).</source>
        <translation>不是视频（不是普通文件）。</translation>
    </message>
    <message>
        <source>cannot be read ({detail}).</source>
        <translation>无法读取（{detail}）。</translation>
    </message>
    <message>
        <source>no video stream (the file holds {what}).</source>
        <translation>没有视频流（文件中只有 {what}）。</translation>
    </message>
    <message>
        <source>no video stream (the file has only non-video tracks).</source>
        <translation>没有视频流（文件只有非视频轨道）。</translation>
    </message>
    <message>
        <source>no video stream in this AVI file.</source>
        <translation>这个 AVI 文件中没有视频流。</translation>
    </message>
    <message>
        <source>file is truncated or corrupt (it ends at byte {size} of {end}).</source>
        <translation>文件不完整或已损坏（在第 {size} 字节处结束，应为 {end} 字节）。</translation>
    </message>
    <message>
        <source>file is truncated or corrupt (a {kind} file that cannot be opened).</source>
        <translation>文件不完整或已损坏（无法打开的 {kind} 文件）。</translation>
    </message>
    <message>
        <source>file is truncated or corrupt (its index, the &apos;moov&apos; box, is missing).</source>
        <translation>文件不完整或已损坏（缺少索引，即“moov”数据块）。</translation>
    </message>
    <message>
        <source>file is truncated or corrupt ({detail}).</source>
        <translation>文件不完整或已损坏（{detail}）。</translation>
    </message>
    <message>
        <source>unsupported codec: the {codec} codec is not supported by this build of Glimpse.</source>
        <translation>不支持的编码格式：此版本的 Glimpse 不支持 {codec} 编码。</translation>
    </message>
    <message>
        <source>not a video (a single {kind} still image).</source>
        <translation>不是视频（只是一张 {kind} 静态图片）。</translation>
    </message>
    <message>
        <source>not a video (only a cover picture).</source>
        <translation>不是视频（只有一张封面图片）。</translation>
    </message>
    <message>
        <source>could not be decoded ({kind})</source>
        <translation>无法解码（{kind}）</translation>
    </message>
    <message>
        <source>{name} cannot be exported: {detail}</source>
        <translation>无法导出 {name}：{detail}</translation>
    </message>
    <message>
        <source>There is not enough disk space to write {name}; nothing was written.</source>
        <translation>磁盘空间不足，无法写入 {name}；未写入任何内容。</translation>
    </message>
    <message>
        <source>The end of a clip must come after its start.</source>
        <translation>片段的结束时间必须晚于开始时间。</translation>
    </message>
    <message>
        <source>not a video</source>
        <extracomment>Short phrases of failed files (VideoError.reason), translated where they lead a reason.</extracomment>
        <translation>不是视频</translation>
    </message>
    <message>
        <source>no video stream</source>
        <translation>没有视频流</translation>
    </message>
    <message>
        <source>file is truncated or corrupt</source>
        <translation>文件不完整或已损坏</translation>
    </message>
    <message>
        <source>unsupported codec</source>
        <translation>不支持的编码格式</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>the decoder crashed</source>
        <translation>解码器崩溃</translation>
    </message>
    <message>
        <source>no frames could be decoded</source>
        <translation>无法解码任何画面</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export clip</source>
        <translation>导出片段</translation>
    </message>
    <message>
        <source>In: </source>
        <translation>入点：</translation>
    </message>
    <message>
        <source>Out: </source>
        <translation>出点：</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Save as</source>
        <translation>另存为</translation>
    </message>
    <message>
        <source>Videos</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>copied without re-encoding, from the keyframe at {t}</source>
        <translation>未重新编码，从 {t} 处的关键帧起复制</translation>
    </message>
    <message>
        <source>re-encoded from the in point</source>
        <translation>已从入点起重新编码</translation>
    </message>
    <message>
        <source>Saved {name} ({how}).</source>
        <translation>已保存 {name}（{how}）。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Export cancelled; nothing was written.</source>
        <translation>导出已取消；未写入任何内容。</translation>
    </message>
</context>
<context>
    <name>Formatting</name>
    <message>
        <source>about {n} s left</source>
        <translation>约剩 {n} 秒</translation>
    </message>
    <message>
        <source>about {n} min left</source>
        <translation>约剩 {n} 分钟</translation>
    </message>
    <message>
        <source>about {n} h left</source>
        <translation>约剩 {n} 小时</translation>
    </message>
</context>
<context>
    <name>IndexingStatus</name>
    <message>
        <source>Looking for new and changed videos…</source>
        <translation>正在查找新增和变更的视频…</translation>
    </message>
    <message>
        <source>Paused at {done} of {total} videos</source>
        <translation>已暂停：{done} / {total} 个视频</translation>
    </message>
    <message>
        <source>Indexing paused</source>
        <translation>索引已暂停</translation>
    </message>
    <message>
        <source>The library is up to date.</source>
        <translation>媒体库已是最新。</translation>
    </message>
    <message>
        <source>, {n} failed</source>
        <translation>，{n} 个失败</translation>
    </message>
    <message>
        <source>Indexed {done} of {total} videos</source>
        <translation>已索引 {done} / {total} 个视频</translation>
    </message>
    <message>
        <source>Indexing stopped</source>
        <translation>索引已停止</translation>
    </message>
    <message>
        <source>Indexing {done} of {total} videos</source>
        <translation>正在索引 {done} / {total} 个视频</translation>
    </message>
    <message>
        <source>{n} frames/s</source>
        <translation>{n} 帧/秒</translation>
    </message>
    <message>
        <source>{n}× real time</source>
        <translation>{n} 倍实时速度</translation>
    </message>
    <message>
        <source>Building the search index: {done} of {total} clips ({pct}%); searches stay exact meanwhile</source>
        <translation>正在构建搜索索引：已完成 {done} / {total} 个片段（{pct}%）；在此期间搜索仍为精确搜索</translation>
    </message>
    <message>
        <source>Indexing progress</source>
        <translation>索引进度</translation>
    </message>
    <message>
        <source>Pause indexing</source>
        <translation>暂停索引</translation>
    </message>
    <message>
        <source>Search index progress</source>
        <translation>搜索索引进度</translation>
    </message>
    <message>
        <source>Resume indexing</source>
        <translation>继续索引</translation>
    </message>
</context>
<context>
    <name>LibraryController</name>
    <message>
        <source>Adding {path}…</source>
        <translation>正在添加 {path}…</translation>
    </message>
    <message>
        <source>Added {path}; indexing starts in the background.</source>
        <translation>已添加 {path}；索引将在后台开始。</translation>
    </message>
    <message>
        <source>Remove folder</source>
        <translation>移除文件夹</translation>
    </message>
    <message>
        <source>Remove {path} and its {n} indexed videos from the library? The files on disk are not touched.</source>
        <translation>要从媒体库中移除 {path} 及其 {n} 个已索引的视频吗？磁盘上的文件不会被改动。</translation>
    </message>
    <message>
        <source>Exclude patterns</source>
        <translation>排除规则</translation>
    </message>
    <message>
        <source>Files under {path} matching these patterns are left out
(one glob pattern per line, e.g. */drafts/* or *.tmp.mp4):</source>
        <translation>{path} 下匹配这些规则的文件将被跳过
（每行一个通配符规则，例如 */drafts/* 或 *.tmp.mp4）：</translation>
    </message>
    <message>
        <source>The library is up to date.</source>
        <translation>媒体库已是最新。</translation>
    </message>
    <message>
        <source>Indexing finished: {n} indexed</source>
        <translation>索引完成：已索引 {n} 个</translation>
    </message>
    <message>
        <source>, {n} failed</source>
        <translation>，{n} 个失败</translation>
    </message>
    <message>
        <source>.</source>
        <translation>。</translation>
    </message>
</context>
<context>
    <name>LibraryModel</name>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Indexed</source>
        <translation>已索引</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>待处理</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>none</source>
        <extracomment>The custom role returning the row&apos;s FolderSummary. The custom role returning the row&apos;s FolderState.</extracomment>
        <translation>无</translation>
    </message>
    <message>
        <source>Excluded patterns: {patterns}</source>
        <translation>排除规则：{patterns}</translation>
    </message>
    <message>
        <source>indexed</source>
        <translation>已索引</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>待处理</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>empty</source>
        <translation>空</translation>
    </message>
    <message>
        <source>indexed · {n} failed</source>
        <translation>已索引 · {n} 个失败</translation>
    </message>
    <message>
        <source>{state} (polling)</source>
        <translation>{state}（轮询）</translation>
    </message>
</context>
<context>
    <name>LibraryPanel</name>
    <message>
        <source>Library</source>
        <translation>媒体库</translation>
    </message>
    <message>
        <source>Library folders</source>
        <translation>媒体库文件夹</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Add a folder of videos (or drop one on the window)</source>
        <translation>添加一个视频文件夹（或将文件夹拖到窗口上）</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the folder from the library</source>
        <translation>从媒体库中移除该文件夹</translation>
    </message>
    <message>
        <source>Exclude…</source>
        <translation>排除…</translation>
    </message>
    <message>
        <source>Patterns of files to leave out</source>
        <translation>要跳过的文件规则</translation>
    </message>
    <message>
        <source>No failed files</source>
        <translation>没有失败的文件</translation>
    </message>
    <message>
        <source>Failed files</source>
        <translation>失败的文件</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Retry failed</source>
        <translation>重试失败项</translation>
    </message>
    <message>
        <source>Try the failed files again</source>
        <translation>再次尝试失败的文件</translation>
    </message>
    <message>
        <source>1 failed file</source>
        <translation>1 个失败的文件</translation>
    </message>
    <message>
        <source>{n} failed files</source>
        <translation>{n} 个失败的文件</translation>
    </message>
    <message>
        <source>{n} video(s) were indexed before frame features were kept: their results show no best moment or frame highlights until Reindex.</source>
        <translation>{n} 个视频是在保存画面特征之前索引的：重新索引之前，它们的结果不会显示最佳时刻和画面高亮。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Type what you are looking for and press Enter. {n} videos are indexed.</source>
        <translation>输入您要找的内容并按回车。已索引 {n} 个视频。</translation>
    </message>
    <message>
        <source>Videos appear here once they are indexed.</source>
        <translation>视频索引完成后会显示在这里。</translation>
    </message>
    <message>
        <source>Settings (Ctrl+,)</source>
        <translation>设置 (Ctrl+,)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>No program is set up to play this file.</source>
        <translation>没有设置可以播放此文件的程序。</translation>
    </message>
    <message>
        <source>Copied the path with its timestamp.</source>
        <translation>已复制带时间点的路径。</translation>
    </message>
</context>
<context>
    <name>ModelBanner</name>
    <message>
        <source>Choose a local checkpoint…</source>
        <translation>选择本地检查点…</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Downloading the weights of {spec}: {mb} MB so far…</source>
        <translation>正在下载 {spec} 的权重：已下载 {mb} MB…</translation>
    </message>
    <message>
        <source>Loading the model {spec} (the first use downloads its weights)…</source>
        <translation>正在加载模型 {spec}（首次使用时会下载权重）…</translation>
    </message>
</context>
<context>
    <name>ModelController</name>
    <message>
        <source>Choose a local checkpoint to continue.</source>
        <translation>请选择一个本地检查点以继续。</translation>
    </message>
    <message>
        <source>Reindex the library?</source>
        <translation>要重新索引媒体库吗？</translation>
    </message>
    <message>
        <source>The library was indexed with {old}. Using {new} means reindexing all {n} videos; search finds nothing until they are done. Reindex now?</source>
        <translation>此媒体库是用 {old} 索引的。改用 {new} 需要重新索引全部 {n} 个视频；完成之前搜索不会有结果。现在重新索引吗？</translation>
    </message>
</context>
<context>
    <name>Operations</name>
    <message>
        <source>Type something to search for.</source>
        <extracomment>Image files a drop on the window searches by. Thumbnails taller than this (device pixels) are shrunk on the worker: cards show them at most 56 px tall, 112 px on a 200% display, so the UI thread never scales big images while painting.</extracomment>
        <translation>请输入要搜索的内容。</translation>
    </message>
    <message>
        <source>The library is empty: add a folder of videos first.</source>
        <translation>媒体库是空的：请先添加一个视频文件夹。</translation>
    </message>
    <message>
        <source>{path} is not a folder.</source>
        <translation>{path} 不是文件夹。</translation>
    </message>
</context>
<context>
    <name>PreviewPane</name>
    <message>
        <source>Select a result to preview it</source>
        <translation>选择一个结果进行预览</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Open in player</source>
        <translation>用播放器打开</translation>
    </message>
    <message>
        <source>Export clip…</source>
        <translation>导出片段…</translation>
    </message>
    <message>
        <source>Open in the system player at the best moment (Enter)</source>
        <translation>在系统播放器中从最佳时刻打开（回车键）</translation>
    </message>
    <message>
        <source>best moment {best} · {range} of {duration}</source>
        <translation>最佳时刻 {best} · {range}（共 {duration}）</translation>
    </message>
    <message>
        <source>Sound on (click to mute)</source>
        <translation>声音已开启（点击静音）</translation>
    </message>
    <message>
        <source>Muted (click for sound)</source>
        <translation>已静音（点击开启声音）</translation>
    </message>
    <message>
        <source>Sound</source>
        <translation>声音</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Preview cannot play this file ({message}); Enter opens it in the system player.</source>
        <translation>预览无法播放此文件（{message}）；按回车可在系统播放器中打开。</translation>
    </message>
</context>
<context>
    <name>RangeTimeline</name>
    <message>
        <source>Clip range</source>
        <translation>片段范围</translation>
    </message>
    <message>
        <source>Export {range}</source>
        <translation>导出 {range}</translation>
    </message>
</context>
<context>
    <name>ResultDelegate</name>
    <message>
        <source>Outlined: frames closest to the query · amber bars: the model&apos;s frame weights</source>
        <extracomment>The AFA bars&apos; colour: amber, apart from the accent the relevance outlines use.</extracomment>
        <translation>描边：与查询最接近的画面 · 琥珀色条：模型给各画面的权重</translation>
    </message>
    <message>
        <source>Outlined: frames closest to the query</source>
        <translation>描边：与查询最接近的画面</translation>
    </message>
    <message>
        <source>Amber bars: the model&apos;s frame weights · reindex to see the frames closest to the query</source>
        <translation>琥珀色条：模型给各画面的权重 · 重新索引后可看到与查询最接近的画面</translation>
    </message>
    <message>
        <source>Reindex this library to see the frames closest to the query</source>
        <translation>重新索引此媒体库，即可看到与查询最接近的画面</translation>
    </message>
    <message>
        <source>score {score}</source>
        <translation>得分 {score}</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <source>{range} of {length}, score {score}</source>
        <extracomment>Frames whose weight is at least this share of the top frame&apos;s count as highlighted... ...and only when they stand out from a uniform spread (weight &gt; this / number of frames): near-uniform weights highlight nothing but the top frame instead of every frame. Frames whose query relevance is within this share of the moment&apos;s spread from the best are outlined... ...but no more than this many (a static shot has many near-equal frames; the outline must still point). A moment whose frames&apos; relevances span less than this is flat: only its best frame is outlined.</extracomment>
        <translation>{range}（全长 {length}），得分 {score}</translation>
    </message>
    <message>
        <source>score {score}</source>
        <translation>得分 {score}</translation>
    </message>
</context>
<context>
    <name>ResultsView</name>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Open in system player</source>
        <translation>在系统播放器中打开</translation>
    </message>
    <message>
        <source>Open containing folder</source>
        <translation>打开所在文件夹</translation>
    </message>
    <message>
        <source>Copy path with timestamp</source>
        <translation>复制带时间点的路径</translation>
    </message>
    <message>
        <source>Export clip…</source>
        <translation>导出片段…</translation>
    </message>
    <message>
        <source>More like this</source>
        <translation>查找相似片段</translation>
    </message>
</context>
<context>
    <name>SearchBar</name>
    <message>
        <source>Search your videos — e.g. “kids blowing out birthday candles”</source>
        <translation>搜索您的视频 —— 例如“孩子们吹生日蜡烛”</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Search by an image file (or drop an image on the window)</source>
        <translation>用图片文件搜索（或将图片拖到窗口上）</translation>
    </message>
    <message>
        <source>Search by image</source>
        <translation>以图搜索</translation>
    </message>
</context>
<context>
    <name>SearchController</name>
    <message>
        <source>like {name} </source>
        <translation>与 {name} 相似，</translation>
    </message>
    <message>
        <source>like the chosen moment </source>
        <translation>与所选片段相似，</translation>
    </message>
    <message>
        <source>Add a folder of videos first.</source>
        <translation>请先添加一个视频文件夹。</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>Nothing matched. Try other words, or drop an image on the window.</source>
        <translation>没有匹配的结果。请换个说法，或将图片拖到窗口上。</translation>
    </message>
    <message>
        <source>1 moment {what}in {s} s.</source>
        <translation>{what}找到 1 个片段，用时 {s} 秒。</translation>
    </message>
    <message>
        <source>{n} moments {what}in {s} s.</source>
        <translation>{what}找到 {n} 个片段，用时 {s} 秒。</translation>
    </message>
    <message>
        <source>Search by image</source>
        <translation>以图搜索</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图片</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Choose a model checkpoint</source>
        <translation>选择模型检查点</translation>
    </message>
    <message>
        <source>Model checkpoints</source>
        <translation>模型检查点</translation>
    </message>
    <message>
        <source>All files</source>
        <translation>所有文件</translation>
    </message>
    <message>
        <source>Glimpse settings</source>
        <translation>Glimpse 设置</translation>
    </message>
    <message>
        <source>Zero-shot CLIP (ViT-B/32, downloads once)</source>
        <translation>零样本 CLIP（ViT-B/32，只需下载一次）</translation>
    </message>
    <message>
        <source>Student checkpoint file (TeachCLIP)</source>
        <translation>学生模型检查点文件（TeachCLIP）</translation>
    </message>
    <message>
        <source>Other model spec</source>
        <translation>其他模型规格</translation>
    </message>
    <message>
        <source>Path to a .bin/.pt/.pth file or a model folder</source>
        <translation>.bin/.pt/.pth 文件或模型文件夹的路径</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>open_clip &quot;name:pretrained&quot;, or &quot;tiny&quot;</source>
        <translation>open_clip 的“名称:预训练权重”，或“tiny”</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source> frames/s</source>
        <translation> 帧/秒</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Keep the library in step with the folders while Glimpse is open</source>
        <translation>Glimpse 打开期间让媒体库与文件夹保持同步</translation>
    </message>
    <message>
        <source>Hide copies: show a moment held in several files once</source>
        <translation>隐藏副本：多个文件中的同一片段只显示一次</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统语言</translation>
    </message>
    <message>
        <source>The language changes at the next start.</source>
        <translation>语言将在下次启动时更改。</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>Model spec</source>
        <translation>模型规格</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Sampling rate</source>
        <translation>采样率</translation>
    </message>
    <message>
        <source>Clip length</source>
        <translation>片段长度</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Sampling changes apply to videos indexed from now on. Changing the model asks before reindexing the library.</source>
        <translation>采样设置只对此后索引的视频生效。更换模型时会先询问，再重新索引媒体库。</translation>
    </message>
</context>
<context>
    <name>Tasks</name>
    <message>
        <source>Something failed unexpectedly: {error}</source>
        <translation>出现了意外错误：{error}</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to Glimpse</source>
        <translation>欢迎使用 Glimpse</translation>
    </message>
    <message>
        <source>&lt;b&gt;1. Add a folder of videos.&lt;/b&gt; Glimpse watches it and indexes every few seconds of every video, on this computer.</source>
        <translation>&lt;b&gt;1. 添加一个视频文件夹。&lt;/b&gt;Glimpse 会关注它，并在这台电脑上为每个视频的每隔几秒内容建立索引。</translation>
    </message>
    <message>
        <source>&lt;b&gt;2. Search in plain words&lt;/b&gt; — “a dog catching a frisbee” — or drop an image on the window. Results are moments you can play at once.</source>
        <translation>&lt;b&gt;2. 用日常语言搜索&lt;/b&gt; —— 例如“一只狗接飞盘”—— 或将图片拖到窗口上。结果是可以立即播放的片段。</translation>
    </message>
    <message>
        <source>Add a folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>You can also drop a folder anywhere on this window.</source>
        <translation>您也可以将文件夹拖到此窗口的任意位置。</translation>
    </message>
</context>
</TS>
