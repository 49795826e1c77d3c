//! The engine's built-in rules, at the bottom of the flow so that every stage can name
//! one: each is a `RuleDoc` static holding its code, slug, severity and docs in Chinese and
//! English (what it checks, why it matters, a bad and a fixed example, the fix). A stage
//! emits a finding with `Finding::new(&codes::C009, …)`: a code that is not declared here
//! does not compile. The campaign's cross-table rules (X, B) and the tables' row rules (R)
//! are declared in the schemas; a registered cell type declares its own (`types`).

use crate::finding::Severity::{Error as E, Warning as W};

/// Declares rules: per rule its `RuleDoc` static, then after `|` each message it can give,
/// a function of the values named in its templates that renders them (`format!` checks at
/// compile time that every name is a parameter and every parameter is used), and the list
/// of the rules. Also used by registered cell types (`types`) for their own rules.
macro_rules! rules {
    (list $list:ident; $($code:ident $name:literal $title:literal $title_en:literal $sev:ident $what:literal $what_en:literal $why:literal $bad:literal $good:literal $fix:literal;
        $( | $say:ident ( $($p:ident),* ) $zh:literal $en:literal => $fz:literal $fe:literal ; )*
    )*) => {
        $(
            #[doc = $what_en]
            pub static $code: $crate::finding::RuleDoc = $crate::finding::RuleDoc {
                code: stringify!($code),
                name: $name,
                title: $title,
                title_en: $title_en,
                severity: $sev,
                what: $what,
                what_en: $what_en,
                why: $why,
                bad: $bad,
                good: $good,
                fix: $fix,
                says: &[$($crate::finding::Say {
                    name: stringify!($say),
                    zh: $zh,
                    en: $en,
                    fix_zh: $fz,
                    fix_en: $fe,
                }),*],
            };
            $(
                #[doc = concat!("`", stringify!($code), "`: ", $en)]
                // A message names what it names: a template may need many values.
                #[allow(clippy::too_many_arguments)]
                pub fn $say($($p: impl std::fmt::Display),*) -> $crate::finding::Said {
                    $crate::finding::Said {
                        rule: &$code,
                        message: $crate::finding::Message {
                            zh: format!($zh),
                            en: format!($en),
                            fix_zh: format!($fz),
                            fix_en: format!($fe),
                        },
                    }
                }
            )*
        )*
        /// Every rule declared here, in code order.
        pub static $list: &[&$crate::finding::RuleDoc] = &[$(&$code),*];
    };
}
pub(crate) use rules;

/// Declares words that accompany another rule's finding (a summary of many), each a
/// function rendering its templates like a rule's messages.
macro_rules! words {
    ($( $say:ident ( $($p:ident),* ) $zh:literal $en:literal => $fz:literal $fe:literal ; )*) => {
        $(
            #[doc = $en]
            pub fn $say($($p: impl std::fmt::Display),*) -> $crate::finding::Message {
                $crate::finding::Message {
                    zh: format!($zh),
                    en: format!($en),
                    fix_zh: format!($fz),
                    fix_en: format!($fe),
                }
            }
        )*
    };
}

rules! {
    list BUILTIN;
    // ---- files
    F001 "not-a-spreadsheet" "不是表格文件" "Not a spreadsheet" E
        "文件不是可读的表格（xlsx、xls、ods、csv）：可能是改了扩展名的文本、图片或其他文件。"
        "The file is not a readable workbook (xlsx, xls, ods, csv): text, a picture or another file with a spreadsheet's name."
        "读不了的文件里的数据不会被统计，村里以为已报送，实际漏报。" "村名.xlsx 实为一段文本" "村名.xlsx 是在 Excel/WPS 中另存的真正工作簿" "在 Excel/WPS 中打开原表，“另存为” .xlsx 后重新报送";
        | no_such_file(path) "找不到文件：{path}" "no such file: {path}" => "检查路径是否写对" "check the path";
        | unreadable_folder(path) "无法读取文件夹：{path}" "cannot read folder {path}" => "检查文件夹权限" "check the folder's permissions";
        | unreadable_file(e) "无法读取文件：{e}" "cannot read file: {e}" => "检查文件是否存在、有无读取权限" "check that the file exists and is readable";
        | not_a_spreadsheet(expected, ext) "文件内容不是{expected}，无法读取（可能是改了扩展名的其他文件）" "the content is not a spreadsheet ({ext}); it may be another file renamed" => "在 Excel/WPS 中打开原表，“另存为” .xlsx 后重新报送" "open the original in Excel/WPS and Save As .xlsx";
        | zip_not_a_spreadsheet(expected) "这是一个压缩包，但不是{expected}" "this is a zip archive but not a spreadsheet" => "解压后找到其中的 Excel 文件再导入" "unzip it and import the spreadsheet inside";
    F002 "encrypted" "设置了打开密码" "Password to open" E
        "工作簿设置了打开密码（加密），无法读取。"
        "The workbook is encrypted with a password to open and cannot be read."
        "加密文件无法核查，等于未报送。" "打开时提示输入密码" "清除打开密码后另存的 村名.xlsx" "在 Excel/WPS 中“文件→信息→保护工作簿→用密码进行加密”清空密码后另存";
        | encrypted() "工作簿设置了打开密码（已加密），无法读取" "the workbook is password-protected (encrypted) and cannot be read" => "在 Excel/WPS 中打开，清除打开密码（文件→信息→保护工作簿→用密码进行加密，清空）后另存再报送" "open it, remove the password (File → Info → Protect Workbook → Encrypt with Password, clear it), save and resend";
        | xor_protected() "工作簿用旧式（XOR）密码做了保护（或内部编码信息已损坏），无法读取" "the workbook is protected with an old-style (XOR) password (or its code page record is damaged) and cannot be read" => "在 Excel/WPS 中输入密码打开，“文件→信息→保护工作簿”清除密码后另存为 .xlsx 再报送" "open it with its password, remove the password (File → Info → Protect Workbook), Save As .xlsx and resend";
        | password_protected() "工作簿设置了密码保护，无法读取" "the workbook is password-protected" => "在 Excel/WPS 中清除密码后另存再报送" "remove the password in Excel/WPS, save and resend";
    F003 "corrupt" "文件损坏" "Corrupt file" E
        "文件已损坏或不完整（例如传输中断、只拷贝了一半）。"
        "The file is damaged or incomplete (a broken transfer, half a copy)."
        "损坏文件中的数据无法读取。" "xlsx 文件只有一半大小" "重新导出、能在 Excel 中正常打开的完整文件" "请村里重新导出或重新发送原文件";
        | corrupt(expected, detail) "文件已损坏或不完整，无法按{expected}读取（{detail}）" "the file is damaged or incomplete and cannot be read ({detail})" => "请村里重新导出或重新发送原文件；或在 Excel/WPS 中打开修复后另存" "ask the village to export or send the file again, or repair it in Excel/WPS and save again";
        | two_parts(name) "文件里有两个同名的部件“{name}”（文件被工具改坏），无法确定哪一份是真的内容，未读取" "the file holds two parts named “{name}” (damaged by a tool); which one is real cannot be told; not read" => "在 Excel/WPS 中打开核对后另存为 .xlsx，再重新报送" "open it in Excel/WPS, check it, Save As .xlsx and resend";
    F004 "empty-file" "空文件" "Empty file" E
        "文件大小为 0 字节。"
        "The file has 0 bytes."
        "空文件里没有任何数据。" "0 字节的 村名.xlsx" "填好数据的 村名.xlsx（几十 KB）" "请村里重新发送填好的表格";
        | empty_file() "文件是空的（0 字节）" "the file is empty (0 bytes)" => "请村里重新发送填好的表格" "ask the village to send the filled-in workbook again";
    F005 "no-table" "找不到表" "No table" E
        "整个文件中找不到本次整治的任何一张表（前几十行内没有可识别的表头）。"
        "No table of the campaign is recognised anywhere in the file (no header in the first rows)."
        "找不到表头就无法知道每列是什么，数据无法导入。" "只有标题、没有“房屋编码、户主”等列名" "第 3 行是表头：房屋编码、村（社区）、户主、身份证号……" "使用统一模板（selfbuilt template）填写，表头放在前几行";
        | no_table(tables, tables_en, sheets, rows, labels) "文件中找不到可识别的表（{tables}；工作表：{sheets}），前{rows}行内没有识别出表头" "no table found ({tables_en}; sheets: {sheets}); no header in the first {rows} rows" => "使用统一模板（selfbuilt template）填写，表头写{labels}等标准列名" "use the template (selfbuilt template) with the standard column labels";
    F006 "header-only" "只有表头" "Header only" E
        "有表头但没有任何数据行。"
        "A table has a header but no data row."
        "空表可能是漏填或发错了文件。" "只有表头行" "表头下每条记录一行" "补填数据，或确认该村确无此类房屋后说明情况";
        | header_only() "文件只有表头，没有任何数据行" "the file has headers but no data rows" => "补填数据；若确无此类记录，请书面说明" "fill in the data, or confirm in writing that there is none";
    F007 "too-large" "文件过大" "Too large" E
        "文件超过读取上限（解压后大小、单元格数或列数），为防止内存耗尽未读取。"
        "The file exceeds a read limit (unzipped size, cells or columns) and was not read, to protect memory."
        "异常巨大的文件通常是格式错误或恶意文件。" "解压后数百 MB 的 xlsx" "删除空行空列后几 MB 的 xlsx" "删除多余的空行空列后另存；确属大文件可用 --max-unzipped-mb 等参数提高上限";
        | file_too_big(mb, limit) "文件大小 {mb} MB，超过上限 {limit} MB，未读取" "the file is {mb} MB, over the {limit} MB limit; not read" => "删除多余内容后另存；确需读取可用 --max-file-mb 提高上限" "remove unused content, or raise the limit with --max-file-mb";
        | unzipped_too_big(limit, mb) "文件解压后超过 {limit} MB 的上限（至少 {mb} MB），为防止内存耗尽未读取" "the file inflates past the {limit} MB limit (at least {mb} MB); not read" => "删除多余的空行、空列和重复内容后另存；确属大文件可用 --max-unzipped-mb 提高上限" "remove unused rows/columns and save again, or raise the limit with --max-unzipped-mb";
        | zip_bomb(name, ratio) "文件中的“{name}”解压后是压缩时的 {ratio} 倍（正常表格为 5–15 倍），是异常文件（压缩炸弹），未读取" "the part “{name}” inflates {ratio} times its compressed size (real sheets: 5–15); a zip bomb, not read" => "请村里用 Excel/WPS 重新另存后报送；确属正常文件可用 --max-zip-ratio 提高上限" "ask the village to save it again from Excel/WPS; raise --max-zip-ratio for a genuine file";
        | too_many_cells(sheet, limit) "工作表“{sheet}”的单元格数超过上限 {limit}，为防止内存耗尽未读取" "sheet “{sheet}” has more than {limit} cells; not read" => "删除多余的行和列后另存；确属大表可用 --max-cells 提高上限" "remove unused rows and columns, or raise the limit with --max-cells";
    F008 "web-page-xls" "网页冒充 xls" "Web page named .xls" E
        "文件是网页（HTML）表格，只是扩展名为 .xls（系统导出常见）。"
        "The file is an HTML table with an .xls name (a common system export)."
        "网页表格不是真正的 Excel 文件，格式信息不可靠。" "导出_20220601.xls 实为 HTML" "另存为 Excel 工作簿的 导出_20220601.xlsx" "用 Excel/WPS 打开该文件，“另存为” Excel 工作簿 (.xlsx) 后重新导入";
        | web_page_xls(ext) "这是网页（HTML）表格，只是扩展名为 .{ext}，不是真正的 Excel 文件" "this is a web page (HTML table) named .{ext}, not a real Excel file" => "用 Excel/WPS 打开该文件，“另存为” Excel 工作簿 (.xlsx) 后重新导入" "open it in Excel/WPS and Save As an Excel workbook (.xlsx), then import that";
        | mht_page(ext) "这是“单个文件网页”（MHT/MHTML，Excel 另存为网页时生成），只是扩展名为 .{ext}，不是真正的 Excel 文件" "this is a single-file web page (MHT/MHTML, what Excel writes when saving as a web page) named .{ext}, not a real Excel file" => "用 Excel 打开该文件（WPS 可能打不开），“另存为” Excel 工作簿 (.xlsx) 后重新导入；或请村里直接发送原来的 Excel 文件" "open it in Excel and Save As an Excel workbook (.xlsx), or ask the village for the original workbook";
    F009 "internal-error" "程序内部出错" "Internal error" E
        "处理该文件时程序内部出错，已跳过该文件，其他文件照常处理。"
        "An internal error while processing the file; it was skipped and the others were processed."
        "不让一个文件拖垮整批处理。" "（程序缺陷）" "（程序修复后同一文件正常读取）" "请把该文件发给维护人员；其他文件的结果不受影响";
        | internal_error(what) "处理该文件时程序内部出错，已跳过（{what}）" "internal error while processing this file; skipped ({what})" => "请把该文件发给维护人员；其他文件的结果不受影响" "send this file to the maintainers; other files are unaffected";
    F010 "unreadable-sheet" "工作表读不出" "Unreadable sheet" E
        "工作表无法读取（格式损坏）。"
        "A worksheet cannot be read (damaged format)."
        "该表数据无法导入。" "损坏的工作表" "在 Excel 中另存后能正常打开的工作表" "在 Excel/WPS 中打开并另存后重试";
        | sheet_unreadable(e) "工作表无法读取：{e}" "the sheet cannot be read: {e}" => "在 Excel/WPS 中打开并另存后重试" "open and save it again in Excel/WPS";
    F011 "read-limit" "读取超出内存或时间上限" "Read limit" E
        "读取该文件时超出了内存或时间上限（--max-read-mb、--max-read-seconds），已停止读取；其他文件照常处理。"
        "Reading the file exceeded the memory or time limit (--max-read-mb, --max-read-seconds); the others were read."
        "几 KB 的异常文件可能让读取程序耗尽内存或陷入长时间计算；每个文件在受限的子进程中读取，超限只影响该文件。" "1 KB 的 ods 声明重复一百万行" "去掉多余重复行后另存的 .xlsx" "在 Excel/WPS 中打开，删除多余的空行空列后另存为 .xlsx；确属大文件可提高上限";
        | read_memory(limit) "读取该文件所需内存超过上限 {limit} MB，已停止读取（文件可能异常或含大量空白格式）" "reading this file needed more than the {limit} MB memory limit and was stopped (the file may be malformed or hold vast empty formatting)" => "在 Excel/WPS 中打开，删除多余的空行空列后另存为 .xlsx；确属大文件可用 --max-read-mb 提高上限" "open it, delete unused rows and columns and Save As .xlsx; for a genuinely large file raise --max-read-mb";
        | read_memory_text(mb, limit) "这个 {mb} MB 的 CSV（文本）表格读取时需要的内存超过上限 {limit} MB（--max-read-mb），已停止读取" "reading this {mb} MB CSV (text) table needed more than the {limit} MB memory limit (--max-read-mb) and was stopped" => "用 --max-read-mb 提高上限（约为文件大小的 10 倍），或把文件拆成几个较小的 CSV 分别报送" "raise --max-read-mb (about 10 times the file's size), or split the file into smaller CSV files";
        | read_time(limit) "读取该文件超过时间上限 {limit} 秒，已停止读取（文件可能异常）" "reading this file took longer than the {limit} s time limit and was stopped (the file may be malformed)" => "在 Excel/WPS 中打开后另存为 .xlsx 再报送；确属大文件可用 --max-read-seconds 提高上限" "open it and Save As .xlsx; for a genuinely large file raise --max-read-seconds";
    F012 "reader-failed" "读取程序无法解析" "Reader failed" E
        "文件内部结构异常，读取程序无法解析（不是常见的损坏或加密）。"
        "The file's inner structure is abnormal and the reader cannot parse it."
        "这样的文件读不出数据，必须让村里换一种方式保存。" "结构不合规范的旧版 xls" "用 Excel/WPS 另存的 .xlsx" "在 Excel/WPS 中打开该文件，“另存为” .xlsx 后重新报送";
        | reader_failed() "文件内部结构异常，读取程序无法解析，未读取" "the file's internal structure is broken or unusual and the reader could not parse it; not read" => "在 Excel/WPS 中打开该文件，“另存为” .xlsx 后重新报送；打不开则请村里重新导出" "open it in Excel/WPS and Save As .xlsx; if it will not open, ask the village to export it again";
    F013 "input-passed-over" "跳过的输入项" "Input passed over" W
        "输入文件夹中被跳过的项：指向文件夹之外的链接、循环链接、同一文件的第二个名字（链接或重复给出）、不是普通文件的项。"
        "An item of the input folder was skipped: a link out of it, a link loop, a second name of the same file, not a regular file."
        "不跟随外部链接，村里的批注件里就不会混进别处的文件；同一文件只读一次，就不会和自己重复。" "输入文件夹里有 passwd.csv -> /etc/passwd" "输入文件夹里只有各村的表格文件" "只把各村的表格文件本身放进输入文件夹";
        | not_a_file(name) "“{name}”不是普通文件（设备、管道或套接字），未读取" "“{name}” is not a regular file (a device, pipe or socket); not read" => "只把表格文件放进输入文件夹" "put only spreadsheet files in the input folder";
        | second_name(name) "“{name}”与已读取的文件是同一个文件（链接或重复给出），只读取一次" "“{name}” is the same file as one already read (a link, or given twice); read once" => "无需处理；如是误放的副本可删除" "nothing to do; delete it if it is a stray copy";
        | link_outside(name) "“{name}”是指向输入文件夹之外（或不存在）的链接，未读取" "“{name}” is a link out of the input folder (or to nothing); not read" => "把要导入的文件本身放进输入文件夹" "put the files themselves in the input folder";
        | link_loop(name) "“{name}”是指回已读文件夹的链接（循环），未重复读取" "“{name}” links back to a folder already read (a loop); not read again" => "删除这个链接" "delete the link";
    F014 "duplicate-row-number" "同一行号出现两次" "Row number twice" E
        "文件里同一个行号出现了两次（手工改过的 xlsx 或有缺陷的导出程序）：两份内容合并为一行，冲突时以后出现的为准，并列出被覆盖的单元格；有冲突时该行退回。"
        "The same row number occurs twice in the file; the two are merged, the later one winning, and conflicts reject the row."
        "电子表格程序打开这种文件时只显示其中一份，另一份的数据会悄悄丢失。" "sheet1.xml 中有两个 <row r=\"4\">" "另存后每个行号只出现一次" "在 Excel/WPS 中打开核对该行后另存为 .xlsx";
        | row_twice_conflict(row, lost, lost_en) "文件里第 {row} 行出现了两次（文件结构异常），两份内容不同；按后出现的一份读取，被覆盖的是：{lost}" "the file holds row {row} twice (a structural fault) with different contents; the later one was read, overwriting {lost_en}" => "在 Excel/WPS 中打开核对这一行，另存为 .xlsx 后重新报送" "open the file, check this row, Save As .xlsx and resend";
        | row_twice_same(row) "文件里第 {row} 行出现了两次（文件结构异常），两份内容不冲突，按一行读取" "the file holds row {row} twice (a structural fault); the two do not conflict and were read as one row" => "在 Excel/WPS 中打开核对这一行，另存为 .xlsx 后重新报送" "open the file, check this row, Save As .xlsx and resend";
    F015 "unclosed-quote" "CSV 引号未关闭" "Unclosed quote in CSV" E
        "CSV 文件里某一格以英文引号开头却没有配对的引号，把后面的若干行连同逗号一起吞进了这一格。"
        "A CSV cell opens a quote that never closes and swallows the rows after it."
        "被吞掉的行不会作为房屋或隐患读入，看起来像少报。" "YH1,\"韦宝,平安村（引号没有关上）" "YH1,韦宝,平安村" "删掉这一格多余的英文引号后另存";
        | unclosed_quote(n) "这一格以引号开头却没有配对的引号，把后面 {n} 行也吞进了这一格（这些行没有单独读取）" "this cell opens a quote that is never closed and swallowed the next {n} lines (they were not read as rows)" => "在记事本或 Excel 中打开，删掉这一格多余的英文引号 \" 后另存，再重新导入" "open the file, delete the stray double quote in this cell, save and import again";
    F016 "old-format" "旧格式或少见格式" "Old or rare format" E
        "文件是现在的读取程序不支持的旧格式或少见格式：Excel 2.x–4.0（1987–1994）的工作表、LibreOffice 平面 XML 表格（.fods）。"
        "Excel 2.x–4.0 worksheets or LibreOffice flat XML (.fods), which the readers do not support."
        "不换格式就读不出数据。" "1990 年代的 .xls（BIFF4）" "另存为 .xlsx 的同一张表" "用 Excel、WPS 或 LibreOffice 打开，另存为 .xlsx 后重新报送";
        | old_excel() "这是 Excel 2.x–4.0（1987–1994 年）的旧格式工作表，现在的读取程序都不支持" "this is an Excel 2.x–4.0 worksheet (1987–1994), which no current reader supports" => "用 Excel 或 WPS 打开，“另存为” Excel 工作簿 (.xlsx) 后重新报送" "open it in Excel or WPS and Save As an Excel workbook (.xlsx), then resend";
        | flat_ods() "这是 LibreOffice 的平面 XML 表格（.fods），请另存为常用格式" "this is a LibreOffice flat XML spreadsheet (.fods); save it in a common format" => "用 LibreOffice 打开，“另存为” Excel 2007-365 (.xlsx) 或 ODF 电子表格 (.ods) 后重新导入" "open it in LibreOffice and Save As .xlsx or .ods, then import that";
    F017 "csv-encoding" "CSV 编码问题" "CSV encoding" W
        "CSV 文件有字符按识别出的编码无法解码：常见于同一文件里混用了 GBK 和 UTF-8，或用了繁体 Big5 编码。"
        "Some characters of a CSV file cannot be decoded in the encoding found (mixed GBK and UTF-8, or Big5)."
        "解码错误的字会变成 �，户主姓名、地址就对不上了。" "前半是 UTF-8、后半是 GBK 的拼接文件" "整个文件统一为 UTF-8 编码，或另存为 .xlsx" "用 Excel/WPS 另存为 .xlsx，或把 CSV 另存为 UTF-8 编码";
        | mixed_encoding() "文件里一部分行是 UTF-8 编码、一部分是 GBK 编码（多半是两个文件拼接而成），已逐行按各自的编码读取" "some lines are UTF-8 and others GBK (most likely two files glued together); each line was read in its own encoding" => "核对这些行的姓名、地址是否显示正常；以后请用 Excel/WPS 另存为 .xlsx 报送，或把 CSV 统一另存为 UTF-8" "check the names and addresses of these rows; in future send .xlsx, or save the CSV as UTF-8 throughout";
        | big5() "文件是繁体中文 Big5 编码（不是 GBK），已按 Big5 读取；繁体字写的表头和选项可能认不出" "the file is in traditional Chinese Big5 (not GBK) and was read as Big5; headers and values in traditional characters may not be recognised" => "核对姓名、地址是否显示正常；请用 Excel/WPS 打开后另存为 .xlsx（简体）报送" "check that names and addresses read correctly; open it in Excel/WPS and Save As .xlsx, in simplified characters";
        | undecodable(enc, bad) "按 {enc} 编码读取时有 {bad} 处字符无法识别（显示为 �）：文件可能混用了 GBK 和 UTF-8，或是繁体 Big5 等其他编码" "read as {enc}, {bad} characters could not be decoded (shown as �): the file may mix GBK and UTF-8, or be in Big5 or another encoding" => "用 Excel/WPS 打开原表另存为 .xlsx，或用记事本“另存为”选择 UTF-8 编码后重新报送" "open the original and Save As .xlsx, or save the CSV as UTF-8, and resend";
    // ---- sheets and columns
    F018 "file-not-read" "未读取的文件" "File not read" W
        "输入文件夹里有不是表格的文件（文档、图片、rar/7z 压缩包、压缩包里的压缩包），没有读取；zip 压缩包会打开读取其中的表格。"
        "A file in the input folder is no spreadsheet (a document, a picture, a rar/7z archive, an archive inside an archive) and was not read; zip archives are opened and their spreadsheets read."
        "村里可能把表格放在了压缩包或文档里，不说一声就等于漏报。" "输入文件夹里有 那马村.rar" "输入文件夹里有 那马村.xlsx（或 那马村.zip）" "把压缩包解压后把表格文件放进输入文件夹，或请村里直接发送表格文件";
        | archive_not_read(name, ext) "压缩包“{name}”（.{ext} 格式）没有读取：只能打开 .zip 压缩包" "the archive “{name}” (.{ext}) was not read: only .zip archives are opened" => "用解压软件解压后，把其中的表格文件放进输入文件夹再运行" "unpack it and put its spreadsheets in the input folder, then run again";
        | other_not_read(name) "“{name}”不是表格文件，没有读取" "“{name}” is not a spreadsheet and was not read" => "如果它是村里报送的表格，请在 Excel/WPS 中打开后另存为 .xlsx 再放进输入文件夹；否则不用管" "if it is a village's table, open it in Excel/WPS and Save As .xlsx; otherwise ignore it";
        | nested_archive(name) "压缩包里的压缩包“{name}”没有读取" "the archive “{name}” inside an archive was not read" => "把它也解压出来，把其中的表格文件放进输入文件夹再运行" "unpack it too and put its spreadsheets in the input folder";
        | archive_member_too_big(name, mb, max) "压缩包里的“{name}”解压后超过 {max} MB（至少 {mb} MB），没有读取" "“{name}” in the archive unpacks to more than {max} MB (at least {mb} MB); not read" => "确认文件无误后解压出来单独运行，或用 --max-file-mb 放宽上限" "unpack it and run on it alone, or raise --max-file-mb";
        | archive_unreadable(name, e) "压缩包“{name}”打不开（{e}），没有读取" "the archive “{name}” cannot be opened ({e}); not read" => "请村里重新压缩发送，或直接发送表格文件" "ask the village to send it again, or to send the spreadsheets themselves";
        | archive_too_many(name, n) "压缩包“{name}”里的表格文件超过 {n} 个，只读取了前 {n} 个" "the archive “{name}” holds more than {n} spreadsheets; the first {n} were read" => "解压后分批运行" "unpack it and run in batches";
    S001 "missing-required-column" "缺少必填列" "Missing required column" E
        "识别出的表缺少必填列。"
        "A recognised table lacks a required column."
        "缺一列，整列数据都无法上报。" "表中没有某个必填字段的列" "表中有该字段的列" "在表中补上该列（列名见 selfbuilt template 生成的模板）";
        | missing_column(table, table_key, label, key) "{table}缺少必填列“{label}”" "{table_key} lacks the required column {label} ({key})" => "在表中补上“{label}”列" "add a column {label}";
    S002 "unmapped-column" "列名无法识别" "Column not recognised" W
        "表头中有一列无法对应到任何字段，该列数据未导入。"
        "A header column maps to no field; its data is not imported."
        "可能是写错的列名，导致数据丢失。" "列名“户主身分证”" "列名“户主身份证号”" "把列名改为标准列名，或在 schemas/*.toml 的 aliases 中加入该写法";
        | unmapped_column(header, table, table_key, closest, closest_en) "列“{header}”无法对应到{table}的任何字段，该列未导入{closest}" "column “{header}” matches no field of {table_key}; not imported{closest_en}" => "把列名改为标准列名，或把 learned.toml 中该列的写法核对后用 --aliases 再运行" "rename it to a standard label, or review it in learned.toml and pass that file with --aliases";
    S003 "guessed-column" "列名按最接近的字段识别" "Column taken as the nearest field" W
        "列名与标准列名不完全一致，按最接近的字段识别。"
        "A header differs from the field's wordings and was taken as the nearest field."
        "猜测可能出错，请确认。" "列名“建筑面积平米”识别为 建筑面积（㎡）" "列名“建筑面积（㎡）”" "确认无误可忽略；或把列名改为标准写法";
        | guessed_column(header, label, label_en, key, evidence, others, others_en) "列名“{header}”不是标准写法，按“{label}”识别（{evidence}）{others}" "header “{header}” is not a known label; read as {label_en} ({key}){others_en}" => "确认无误可忽略（或把 learned.toml 核对后用 --aliases 记住）；否则把列名改为“{label}”" "if right, ignore it (or review learned.toml and pass it with --aliases); otherwise rename the column to {label}";
    S004 "duplicate-column" "重复的列" "Duplicate column" W
        "两列对应同一个字段，只使用第一列。"
        "Two columns map to the same field; the first is used."
        "重复列会让人不清楚哪一列为准。" "两列都叫“联系电话”" "只有一列“联系电话”" "删除或改名多余的一列";
        | duplicate_column(header, col, label, key) "“{header}”与第 {col} 列重复，都对应“{label}”，只使用第一列" "“{header}” repeats column {col} ({key}); only the first is used" => "删除或改名多余的一列" "delete or rename the extra column";
    S005 "no-table-in-sheet" "工作表里没有表" "No table in sheet" W
        "该工作表有内容，但找不到可识别的表。"
        "The sheet has content but no recognisable table."
        "表可能放错了工作表，或表头写法无法识别。" "Sheet3 中只有几行说明文字" "说明文字放在“填表说明”工作表" "确认该表不需要导入，或把表头改为标准列名";
        | no_table_in_sheet(sheet) "工作表“{sheet}”有内容，但找不到可识别的表，未导入" "sheet “{sheet}” holds no recognisable table; not imported" => "确认该表不需要导入，或把表头改为标准列名" "confirm it is not needed, or use standard column labels";
    S006 "too-many-columns" "列数过多" "Too many columns" W
        "工作表使用的列数超过上限，超出部分未读取。"
        "The sheet uses more columns than the limit; the rest were not read."
        "异常宽的表通常是格式错误。" "一行占满 16384 列" "只用到 A–U 列" "删除多余的列后另存";
        | too_many_columns(limit) "工作表使用的列超过 {limit} 列，超出部分未读取" "the sheet uses more than {limit} columns; the rest was not read" => "删除多余的列后另存；或用 --max-columns 提高上限" "delete unused columns, or raise --max-columns";
        | rows_beyond_columns(limit, n, rows) "第 {rows} 行（共 {n} 行）的内容全部在第 {limit} 列之后，没有读取" "rows {rows} ({n}) hold nothing before column {limit} and were not read" => "删除表前面多余的空列，让表从 A 列附近开始后另存；或用 --max-columns 提高上限" "delete the empty columns in front of the table, or raise --max-columns";
    S007 "sheet-not-recognised" "整张工作表未识别" "Sheet not recognised" E
        "该工作表有内容，但没有识别出任何表；表中每个非空行都以本问题列出，未导入。"
        "The sheet has content but no table was recognised; each non-empty row is listed and not imported."
        "不让任何一行数据悄悄丢失：整张表未导入时，每一行都要能查到。" "工作表“数据”表头写法无法识别，120 行未导入" "表头改为 房屋编码、户主、身份证号……后整表导入" "把表头改为标准列名（selfbuilt template），或把 selfbuilt 写出的 learned.toml 核对后用 --aliases 再运行";
        | row_not_imported(sheet, why, rows) "工作表“{sheet}”没有识别出任何表（{why}），本行未导入" "sheet “{sheet}” holds no recognised table (no header naming the identity columns in the first {rows} rows); this row is not imported" => "把表头改为标准列名（selfbuilt template 生成的模板），或核对 learned.toml 后用 --aliases 再运行" "use the standard column labels (selfbuilt template), or review learned.toml and run again with --aliases";
        | rows_not_imported(sheet, rest, first, last) "工作表“{sheet}”另有 {rest} 个非空行（第{first}–{last}行）同样未导入" "sheet “{sheet}” has {rest} more non-empty rows (rows {first}–{last}) not imported" => "同上" "as above";
    S008 "not-a-data-sheet" "不是数据表" "Not a data sheet" W
        "图表、宏表、对话框表或 VBA 代码模块不是数据表，跳过并说明；同一工作簿里的数据表照常读取。"
        "A chart, macro sheet, dialog sheet or VBA module is skipped; the data sheets of the workbook are read."
        "带宏或图表的工作簿也要能读出数据。" "工作簿里有一张“图表1”" "（图表照旧保留，数据表正常读取）" "无需处理";
        | not_a_data_sheet(sheet, kind, kind_en) "“{sheet}”是{kind}，不是数据表，已跳过；其他工作表照常读取" "“{sheet}” is a {kind_en} sheet, not data; passed over, the other sheets are read" => "无需处理" "nothing to do";
    S009 "hidden-sheet" "隐藏的工作表" "Hidden sheet" W
        "工作簿里有隐藏的工作表：照常读取，并说明一声（隐藏的表村里自己往往看不到，里面可能是旧数据或草稿）。"
        "A hidden sheet of the workbook is read as usual, with a note (the village may not see it: old data or a draft may hide there)."
        "隐藏表里的行照样会上报，村里核对时却看不见，容易出现说不清的重复或旧数据。" "工作簿里隐藏着“旧表”" "不需要的表删除，需要的表取消隐藏" "在 Excel/WPS 中右击工作表标签→取消隐藏，核对其中的数据：不需要就删除该表";
        | hidden_sheet(sheet) "工作表“{sheet}”是隐藏的，已照常读取" "the sheet “{sheet}” is hidden; read as usual" => "在 Excel/WPS 中右击工作表标签→取消隐藏，核对其中的数据；不需要的表请删除" "unhide it (right-click a sheet tab → Unhide) and check it; delete it if it is not wanted";
    S010 "sheet-repeats-others" "重复的汇总表" "Sheet repeating others" W
        "同一个文件里，一张工作表的每一行都与其他工作表中的某一行完全相同（常见：各组一张表，另有一张“汇总”把它们合在一起）：这些行只读一次，按分表读取，并说明用的是哪一份。"
        "Every row of a sheet equals a row of other sheets of the same file (one sheet per group plus a 汇总 repeating them): the rows are read once, from the other sheets, with a note."
        "同一批房屋读两遍，会把每一栋都当成重复编码退回，或者在汇总里数两次。" "1组、2组、3组三张表，外加一张“汇总”" "（照常报送即可）" "无需处理；如果汇总表与分表不一致，请村里核对后只保留一份";
        | sheet_repeats_others(sheet, n, others) "工作表“{sheet}”的 {n} 行与本文件的{others}中的行逐行相同，只按{others}读取一次，“{sheet}”未重复读取" "all {n} rows of “{sheet}” equal rows of {others} in the same file; they were read once, from {others}" => "无需处理；以后可只报送分表或只报送汇总表" "nothing to do; in future send either the group sheets or the summary";
    S011 "tables-side-by-side" "并排的两张表" "Tables side by side" W
        "一张工作表里左右并排放着两张表（中间隔一整列空列），右边那张单独看是一张完整的表：两张表分别读取，各列仍按原位置标注，并说明一声。"
        "A sheet holds two tables side by side, a blank column between them, the right one whole on its own: each is read as a table of its own, every cell at its own place, with a note."
        "并排的第二张表若被当成第一张表的多余列，它的行会整批丢失；分开读取时也要让人知道是怎么读的。" "A–U 列房屋信息，空一列，W–AI 列隐患台账" "（照常报送即可）" "无需处理；核对两张表是否都已读出；以后最好每张表放一个工作表";
        | tables_side_by_side(sheet, left, right, gap) "工作表“{sheet}”左右并排有两张表（{gap}列为空列）：左边按“{left}”、右边按“{right}”分别读取" "sheet “{sheet}” holds two tables side by side (column {gap} blank): the left read as {left}, the right as {right}" => "核对两张表是否都已按上述方式读出；以后最好每张表放一个工作表" "check both were read as said; in future put each table on a sheet of its own";
    // ---- cells
    C001 "required-missing" "必填项为空" "Required value missing" E
        "必填字段为空（或只填了“无”“/”等占位符）。"
        "A required field is empty (or holds only a placeholder such as 无 or /)."
        "缺必填项的记录无法上报平台。" "必填的姓名=（空）" "姓名=韦宝" "补填该项";
        | required_empty(label, label_en, example) "必填项“{label}”为空" "required field {label_en} is empty" => "补填“{label}”，例：{example}" "fill in {label_en}, e.g. {example}";
        | required_placeholder(label, label_en, shown, example) "必填项“{label}”只填了占位符“{shown}”" "required field {label_en} holds only the placeholder “{shown}”" => "补填“{label}”，例：{example}" "fill in {label_en}, e.g. {example}";
        | required_column_missing(label, label_en) "表中没有“{label}”列，必填项缺失" "the sheet has no {label_en} column; a required field is missing" => "在表中补上“{label}”列并填写" "add a {label_en} column";
    C002 "enum-unknown" "选项以外的值" "Value not an option" E
        "填写的值不在允许的选项中，也不是已知的同义写法。"
        "The value is not one of the field's options nor a known synonym of one."
        "平台只接受规定选项，自由填写无法统计。" "结构类型=砖瓦房" "结构类型=砖混结构" "从允许的选项中选一项（见提示中的最接近选项）";
        | enum_typo(label, label_en, value, guess, allowed) "{label}“{value}”与选项“{guess}”只差一个字，可能是错别字，也可能是未收录的写法，不自动改" "{label_en} “{value}” is one character off the value {guess}: a typo or an unlisted wording, not corrected" => "您是否想填：{guess}？允许的选项：{allowed}" "did you mean {guess}? allowed: {allowed}";
        | enum_ambiguous(label, label_en, value, either, either_en, allowed) "{label}“{value}”可能是{either}中的任一项，无法确定" "{label_en} “{value}” could be any of {either_en}" => "您是否想填：{either}？允许的选项：{allowed}" "did you mean {either_en}? allowed: {allowed}";
        | enum_unknown_near(label, label_en, value, guess, allowed) "{label}“{value}”不是允许的选项" "{label_en} “{value}” is not an allowed value" => "您是否想填：{guess}？允许的选项：{allowed}" "did you mean {guess}? allowed: {allowed}";
        | enum_unknown(label, label_en, value, allowed) "{label}“{value}”不是允许的选项" "{label_en} “{value}” is not an allowed value" => "允许的选项：{allowed}" "allowed: {allowed}";
        | enum_state_beyond(label, label_en, value, reached, instead, instead_en, allowed) "{label}“{value}”说的进度与“{reached}”不同（如已申请≠已销号、未完成≠已整治），不自动改" "{label_en} “{value}” says a different stage than {reached} (a request made is not one granted), not mapped" => "按实际进度填写，您是否想填：{instead}？允许的选项：{allowed}" "write the actual stage: did you mean {instead_en}? allowed: {allowed}";
        | enum_state_unsaid(label, label_en, value, reached, allowed) "{label}“{value}”没有说明是否已经完成，不能当作“{reached}”，不自动改" "{label_en} “{value}” does not say it is done, so it is not taken as {reached}" => "按实际进度填写，允许的选项：{allowed}" "write the actual stage; allowed: {allowed}";
    C003 "not-a-number" "不是数字" "Not a number" E
        "应为数字的单元格无法识别为数字。"
        "A cell that should be a number cannot be read as one."
        "面积、层数等用于统计和风险判断。" "层数=三层半" "层数=3" "填写阿拉伯数字，如 3";
        | not_a_number(label, label_en, value, example) "{label}“{value}”不是数字" "{label_en} “{value}” is not a number" => "填写阿拉伯数字，如 {example}" "write a number such as {example}";
    C004 "out-of-range" "数值超出范围" "Out of range" E
        "数值超出允许范围。"
        "The number is outside the field's range."
        "超出范围的数值多为录入错误（多打一位、单位错误）。" "层数=45" "层数=4" "核对后改为正确数值";
        | out_of_range(label, label_en, value, range, range_en) "{label} {value} 超出允许范围（{range}）" "{label_en} {value} is out of range ({range_en})" => "核对数值（是否多打或少打一位、单位是否写错）" "check the value (an extra digit? a wrong unit?)";
    C005 "bad-date" "日期无法识别" "Date not recognised" E
        "日期无法识别或不存在（如2月30日）。"
        "The date cannot be read or does not exist (30 February)."
        "各类日期是时间线和销号的依据。" "日期=2022.13.5" "日期=2022-05-13" "按“2022-05-19”或“2022年5月19日”填写";
        | not_a_date(label, label_en, value) "{label}“{value}”不是日期" "{label_en} “{value}” is not a date" => "按“2022-05-19”或“2022年5月19日”填写，或把单元格设为日期格式" "write it as 2022-05-19 or 2022年5月19日";
        | impossible_date(label, label_en, value) "{label}“{value}”是不存在的日期" "{label_en} “{value}” is not a real calendar date" => "按“2022-05-19”或“2022年5月19日”填写，或把单元格设为日期格式" "write it as 2022-05-19 or 2022年5月19日";
        | unreadable_date(label, label_en, value) "{label}“{value}”无法识别为日期" "{label_en} “{value}” cannot be read as a date" => "按“2022-05-19”或“2022年5月19日”填写，或把单元格设为日期格式" "write it as 2022-05-19 or 2022年5月19日";
    C006 "date-out-of-range" "日期超出范围" "Date out of range" E
        "日期超出允许范围（如早于专项整治开始或晚于今天）。"
        "The date is outside the allowed range (before the campaign or after today)."
        "时间不合理的记录不可信。" "排查日期=2021-01-01" "排查日期=2022-06-01" "核对日期";
        | date_out_of_range(label, label_en, date, from, to) "{label} {date} 不在允许范围内（{from} 至 {to}）" "{label_en} {date} is outside {from} to {to}" => "核对日期（年份是否写错）" "check the date (is the year right?)";
    C007 "two-digit-year" "两位年份" "Two-digit year" W
        "日期只写了两位年份，已按 20xx 年理解。"
        "The date has a two-digit year, read as 20xx."
        "两位年份可能被误解。" "22.5.19" "2022-05-19" "写全四位年份：2022-05-19";
        | two_digit_year(label, label_en, value, year) "{label}“{value}”只写了两位年份，已按 {year} 年理解" "{label_en} “{value}” has a two-digit year, read as {year}" => "写全四位年份，如 2022-05-19" "write the full year, e.g. 2022-05-19";
    C008 "id-check-digit" "身份证号校验码不符" "ID check digit" E
        "身份证号校验码不符（GB 11643）。"
        "The ID number fails its check digit (GB 11643)."
        "号码有一位写错，无法关联到人。" "450103196708158644" "450103196708158643" "对照身份证逐位核对";
        | id_check_digit(label, label_en, value, expected) "{label}“{value}”校验码不符（按前17位应为 {expected}），号码有一位写错" "{label_en} “{value}” fails the check digit (expected {expected})" => "对照身份证逐位核对，填写18位号码（最后一位可以是X）" "check it against the ID card: 18 characters, the last may be X";
    C009 "id-float-mangled" "身份证号被存成数字" "ID stored as a number" E
        "身份证号被 Excel 当成数字保存（如 4.50103198001011E+17），后几位已丢失，无法恢复。"
        "Excel stored the ID number as a number (4.50103198001011E+17): its last digits are lost."
        "丢失的位数只能从身份证原件重新录入。" "4.50103198001011E+17" "450103198001011233（文本格式）" "把该列设为“文本”格式（Excel：设置单元格格式→文本；WPS：右键→设置单元格格式→文本），再重新录入完整号码；或在号码前加英文单引号 '";
        | id_stored_as_number(label, label_en, value) "{label}“{value}”被 Excel 当成数字保存，后几位已经丢失，无法恢复" "{label_en} “{value}” was stored by Excel as a number; its last digits are lost for good" => "把该列设为“文本”格式（Excel：选中列→设置单元格格式→文本；WPS：右键→设置单元格格式→文本），再对照身份证重新录入完整的18位号码；或在号码前加英文单引号 '" "format the column as Text (Format Cells → Text in Excel or WPS) and re-enter the full 18-digit number from the ID card, or type a leading apostrophe";
    C010 "id-legacy-15" "15 位旧身份证号" "15-digit legacy ID" W
        "身份证号是15位旧号码。"
        "The ID number is a 15-digit legacy number."
        "平台要求18位号码。" "450103670815864" "450103196708158643" "换成18位新号码";
        | id_legacy(label, label_en, value) "{label}“{value}”是15位旧号码" "{label_en} “{value}” is a legacy 15-digit number" => "换成18位新号码" "use the 18-digit number";
    C011 "id-format" "身份证号位数不对" "ID length or characters" E
        "身份证号长度或字符不对（应为18位，最后一位可为X）。"
        "The ID number is not 18 characters (the last may be X)."
        "号码不完整无法核验身份。" "45010319670815864（17位）" "450103196708158643（18位）" "对照身份证补全18位号码";
        | id_length(label, label_en, value, n) "{label}“{value}”格式不对：应为18位，现为{n}位" "{label_en} “{value}” must have 18 characters (has {n})" => "对照身份证逐位核对，填写18位号码（最后一位可以是X）" "check it against the ID card: 18 characters, the last may be X";
    C012 "id-birth-date" "身份证号出生日期不存在" "ID birth date" E
        "身份证号中的出生日期不存在。"
        "The birth date inside the ID number does not exist."
        "出生日期无效说明号码录错。" "450103199913325811" "45010319931213581X" "对照身份证核对号码";
        | id_birth_date(label, label_en, value, birth) "{label}“{value}”中的出生日期 {birth} 不存在" "{label_en} “{value}” holds an impossible birth date {birth}" => "对照身份证逐位核对，填写18位号码（最后一位可以是X）" "check it against the ID card: 18 characters, the last may be X";
    C013 "bad-phone" "电话号码无效" "Phone number" W
        "联系电话不是有效的手机号（1开头11位）或固定电话（0+区号+号码）。"
        "Not a mobile number (11 digits from 1) or a landline (0, area code, number)."
        "联系不上当事人，整改无法落实。" "1381234567" "13812345678" "核对电话号码";
        | bad_phone(label, label_en, value) "{label}“{value}”不是有效的手机号或固定电话" "{label_en} “{value}” is not a valid mobile or landline number" => "手机号为1开头的11位数字；固定电话为0+区号+7-8位号码，如 0771-3785057" "a mobile is 11 digits starting with 1; a landline is 0 + area code + 7–8 digits";
    C014 "bad-coordinate" "经纬度有误" "Coordinates" W
        "经纬度无法识别或不在中国境内。"
        "Longitude or latitude cannot be read or is outside China."
        "坐标用于上图定位，错误坐标会落到境外。" "经度=18.37" "经度=108.37" "按十进制（108.375）或度分秒（108°22′30″）填写";
        | coordinate_outside(label, label_en, value, lo, hi) "{label} {value} 不在中国境内（应在 {lo}–{hi} 之间）" "{label_en} {value} is outside China ({lo}–{hi})" => "核对经纬度是否填反或少了一位；十进制如 108.375，度分秒如 108°22′30″" "check whether longitude and latitude are swapped or a digit is missing";
        | not_a_coordinate(label, label_en, value) "{label}“{value}”无法识别为坐标" "{label_en} “{value}” is not a coordinate" => "按十进制（108.375）或度分秒（108°22′30″）填写" "write decimal degrees (108.375) or 108°22′30″";
    C015 "bad-code" "编码格式不对" "Code format" E
        "编码不符合该字段规定的格式（见该字段的填写说明）。"
        "A code does not have the field's format (its pattern)."
        "编码是与国家平台对接的唯一标识。" "YH45010300346612" "YH450103003466128" "对照平台核对编码";
        | bad_code(label, label_en, value, hint, example) "{label}“{value}”格式不对{hint}" "{label_en} “{value}” has the wrong format" => "对照平台核对编码，例：{example}" "check the code on the platform, e.g. {example}";
    C016 "bad-bool" "是/否填写有误" "Yes/no" E
        "是/否字段填写了无法识别的值。"
        "A yes/no field holds something else."
        "无法判断是否改扩建、是否鉴定。" "是否鉴定=待定" "是否鉴定=否" "填写“是”或“否”";
        | not_yes_no(label, label_en, value, yes, no) "{label}“{value}”无法识别为“{yes}”或“{no}”" "{label_en} “{value}” is neither yes nor no" => "填写“{yes}”或“{no}”" "write {yes} or {no}";
    C017 "error-cell" "Excel 错误值" "Excel error value" E
        "单元格是 Excel 错误值（#REF!、#N/A、#DIV/0! 等），通常是公式引用失效。"
        "The cell is an Excel error value (#REF!, #N/A, #DIV/0!), usually a broken formula."
        "错误值没有实际数据。" "面积=#REF!" "面积=120" "把公式改成数值（复制→选择性粘贴→数值）后重新填写";
        | excel_error(label, label_en, error) "{label}是 Excel 错误值 {error}，没有实际数据" "{label_en} holds the Excel error {error}" => "检查公式引用；把公式改成数值（复制→选择性粘贴→数值）后填写正确数据" "fix the formula's reference, or paste the value as a number";
    C018 "approximate-number" "约数" "Approximate number" E
        "数值是约数或范围（如“约120”“100-120”）。"
        "The number is approximate or a range (约120, 100-120)."
        "统计需要确定的数值。" "建筑面积=约120" "建筑面积=120" "填写一个确定的数值";
        | approximate(label, label_en, value) "{label}“{value}”是约数，需要确定的数值" "{label_en} “{value}” is approximate; an exact number is needed" => "去掉“约”“左右”等字样，填写确定的数值" "write one exact number";
        | a_range(label, label_en, value) "{label}“{value}”是一个范围，需要一个确定的数值" "{label_en} “{value}” is a range; one number is needed" => "填写一个确定的数值" "write one exact number";
    C019 "text-length" "文字长度不对" "Text length" E
        "文本长度不在允许范围内。"
        "The text is shorter or longer than the field allows."
        "过短或过长通常是录入错误。" "姓名=张" "姓名=张三" "填写完整姓名";
        | text_length(label, label_en, value, n, min, max) "{label}“{value}”长度为{n}个字，应为{min}–{max}个字" "{label_en} “{value}” has {n} characters; {min}–{max} expected" => "填写完整的{label}" "write the full {label_en}";
    C020 "integer-expected" "应为整数" "Integer expected" E
        "应为整数的单元格填了小数。"
        "A field of whole numbers holds a fraction."
        "层数、年份只能是整数。" "层数=3.5" "层数=4" "填写整数";
        | not_whole(label, label_en, value) "{label}“{value}”应为整数" "{label_en} “{value}” must be a whole number" => "填写整数" "write a whole number";
    C021 "no-campaign-equivalent" "本次整治没有对应选项" "No equivalent in this campaign" E
        "填写的值在其他调查（如自然灾害风险普查）中有意义，但本次专项整治没有对应的选项或含义（如结构类型“窑洞”、建成年份填了“建造年代”分档代码）。"
        "The value means something in another survey but has no option or meaning in this campaign."
        "套用别的表的口径会让统计失真。" "结构类型=窑洞；建成年份=3" "结构类型=土木/石木结构；建成年份=2003" "按本次整治的选项或实际年份填写，必要时在备注中说明";
        | no_equivalent_option(label, label_en, value, why, allowed, allowed_en) "{label}填的“{value}”在本次专项整治中没有对应含义：{why}" "{label_en} “{value}” has no meaning in this campaign: {why}" => "按实际情况从允许的选项中选一项（{allowed}），必要时在备注中写明“{value}”" "pick the nearest allowed value ({allowed_en}) and note “{value}” in the remarks";
        | no_equivalent_value(label, label_en, value, why, example) "{label}填的“{value}”在本次专项整治中没有对应含义：{why}" "{label_en} “{value}” has no meaning in this campaign: {why}" => "填写实际的{label}，例：{example}" "write the actual {label_en}, e.g. {example}";
    C022 "text-cut" "文字过长被截断" "Text cut" W
        "单元格里的文字超过一个单元格能装的 32767 个字，输出时截断并加“…（已截断）”标记，改动记入 changes.csv。"
        "The text exceeds the 32,767 characters a cell holds and was cut (marked, and in changes.csv)."
        "过长的单元格会让表格程序打不开或悄悄截掉内容。" "一格里粘贴了整篇报告" "一格里写要点，详细报告作附件" "把过长的内容移到附件，表中只留要点";
        | text_cut(label, label_en, n) "{label}有 {n} 个字，超过一个单元格能装的 32767 个字，输出时已截断" "{label_en} holds {n} characters, more than a cell's 32,767; cut in the outputs" => "把过长的内容移到附件或备注里，只在表中留要点" "move the long text to an attachment and keep the gist in the cell";
    C026 "formula-without-value" "公式没有计算结果" "Formula without a value" W
        "单元格是公式，但文件里没有保存它的计算结果（文件由不计算公式的程序生成，例如某些系统导出或脚本），读出来是空的。"
        "The cell holds a formula but the file keeps no calculated value for it (written by a program that does not calculate), so it reads as empty."
        "公式的结果读不出来，这一格就等于没填，可能被当成漏填退回。" "面积=SUM(B2:B4)，没有计算结果" "面积=120（或打开后保存过一次的同一公式）" "在 Excel/WPS 中打开后保存一次（会计算公式），或把公式改成数值后重新报送";
        | formula_without_value(formula) "这一格是公式 ={formula}，文件里没有它的计算结果，读作空" "this cell holds the formula ={formula} but no calculated value; read as empty" => "在 Excel/WPS 中打开后保存一次（会计算公式），或把公式改成数值（复制→选择性粘贴→数值）后重新报送" "open the file in Excel/WPS and save it once (formulas get calculated), or paste the values, and send it again";
    C025 "enum-weak-form" "选项写法按规则推断" "Option read from an unlisted form" W
        "选项的写法不在选项和同义写法里，是按简写、修饰语、标准用词或近义词推断出来的。每种写法全批只提示一次。"
        "The option was written in a form the schema does not list, and read by abbreviation, qualifier, the standards' words or a near-synonym. Each form is said once for the whole batch."
        "推断出的值大多可靠，但应由人确认一次；确认后写入 --aliases 文件，下一轮不再提示。" "经营类型=沙县小吃店" "经营类型=餐饮饭店" "核对推断是否正确：正确则把该写法加入本镇写法（--aliases），错误则改为正确选项";
        | enum_weak_form(label, label_en, value, reached, how, how_en, count, cells) "{label}“{value}”{how}读作“{reached}”（共 {count} 处：{cells}），请核对一次" "{label_en} “{value}” read {how_en} as {reached} ({count} cells: {cells}); please confirm once" => "正确则把“{value}”= “{reached}”写入本镇写法（--aliases），错误则逐处改为正确选项" "if right, add “{value}” = “{reached}” to the township's wordings (--aliases); if wrong, correct the cells";
}

words! {
    row_has_errors() "该行有错误" "the row has errors" => "见该行的其他问题" "see the row's other findings";
    more_of_same(n, code, example, example_en, rows) "本表另有 {n} 处同类问题（{code}，如：{example}）未逐条列出，所在行：{rows}" "{n} more findings of {code} on this sheet (e.g. {example_en}) are not listed one by one; rows: {rows}"
        => "这些行多半是同一个原因（整列填错、粘贴错位或多余的行），改正一处的做法适用于全部" "these rows most likely share one cause (a whole column wrong, a paste out of place, stray rows); the fix for one fits all";
}

/// A field's allowed range of numbers in words, Chinese and English ("" when open): what
/// C004's message and the template's instructions say.
pub fn number_range(min: Option<f64>, max: Option<f64>, min_exclusive: bool) -> (String, String) {
    let n = crate::value::fmt_num;
    match (min, max) {
        (Some(a), Some(b)) if min_exclusive => (
            format!("大于{}且不超过{}", n(a), n(b)),
            format!("over {} and at most {}", n(a), n(b)),
        ),
        (Some(a), Some(b)) => (format!("{}–{}", n(a), n(b)), format!("{}–{}", n(a), n(b))),
        (Some(a), None) => (format!("不小于{}", n(a)), format!("at least {}", n(a))),
        (None, Some(b)) => (format!("不超过{}", n(b)), format!("at most {}", n(b))),
        _ => (String::new(), String::new()),
    }
}
