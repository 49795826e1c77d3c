//! The engine's built-in rules, at the bottom of the flow so that every stage can name
//! one: each is a `RuleDoc` static holding its code, slug, severity and docs in Chinese and
//! English (what it checks, why it matters, a bad and a fixed example, the fix). A stage
//! emits a finding with `Finding::new(&codes::C009, …)`: a code that is not declared here
//! does not compile. The campaign's cross-table rules (X, B) and the tables' row rules (R)
//! are declared in the schemas; a registered cell type declares its own (`types`).

use crate::finding::RuleDoc;
use crate::finding::Severity::{Error as E, Warning as W};

macro_rules! rules {
    ($($code:ident $name:literal $title:literal $title_en:literal $sev:ident $what:literal $what_en:literal $why:literal $bad:literal $good:literal $fix:literal;)*) => {
        $(
            #[doc = $what_en]
            pub static $code: RuleDoc = RuleDoc {
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
            };
        )*
        /// Every built-in rule, in code order.
        pub static BUILTIN: &[&RuleDoc] = &[$(&$code),*];
    };
}

rules! {
    // ---- files
    F001 "not-a-spreadsheet" "不是表格文件" "Not a spreadsheet" E
        "文件不是可读的表格（xlsx、xls、ods、csv）：可能是改了扩展名的文本、图片或其他文件。"
        "The file is not a readable workbook (xlsx, xls, ods, csv): text, a picture or another file with a spreadsheet's name."
        "读不了的文件里的数据不会被统计，村里以为已报送，实际漏报。" "村名.xlsx 实为一段文本" "村名.xlsx 是在 Excel/WPS 中另存的真正工作簿" "在 Excel/WPS 中打开原表，“另存为” .xlsx 后重新报送";
    F002 "encrypted" "设置了打开密码" "Password to open" E
        "工作簿设置了打开密码（加密），无法读取。"
        "The workbook is encrypted with a password to open and cannot be read."
        "加密文件无法核查，等于未报送。" "打开时提示输入密码" "清除打开密码后另存的 村名.xlsx" "在 Excel/WPS 中“文件→信息→保护工作簿→用密码进行加密”清空密码后另存";
    F003 "corrupt" "文件损坏" "Corrupt file" E
        "文件已损坏或不完整（例如传输中断、只拷贝了一半）。"
        "The file is damaged or incomplete (a broken transfer, half a copy)."
        "损坏文件中的数据无法读取。" "xlsx 文件只有一半大小" "重新导出、能在 Excel 中正常打开的完整文件" "请村里重新导出或重新发送原文件";
    F004 "empty-file" "空文件" "Empty file" E
        "文件大小为 0 字节。"
        "The file has 0 bytes."
        "空文件里没有任何数据。" "0 字节的 村名.xlsx" "填好数据的 村名.xlsx（几十 KB）" "请村里重新发送填好的表格";
    F005 "no-table" "找不到表" "No table" E
        "整个文件中找不到本次整治的任何一张表（前几十行内没有可识别的表头）。"
        "No table of the campaign is recognised anywhere in the file (no header in the first rows)."
        "找不到表头就无法知道每列是什么，数据无法导入。" "只有标题、没有“房屋编码、户主”等列名" "第 3 行是表头：房屋编码、村（社区）、户主、身份证号……" "使用统一模板（selfbuilt template）填写，表头放在前几行";
    F006 "header-only" "只有表头" "Header only" E
        "有表头但没有任何数据行。"
        "A table has a header but no data row."
        "空表可能是漏填或发错了文件。" "只有表头行" "表头下每条记录一行" "补填数据，或确认该村确无此类房屋后说明情况";
    F007 "too-large" "文件过大" "Too large" E
        "文件超过读取上限（解压后大小、单元格数或列数），为防止内存耗尽未读取。"
        "The file exceeds a read limit (unzipped size, cells or columns) and was not read, to protect memory."
        "异常巨大的文件通常是格式错误或恶意文件。" "解压后数百 MB 的 xlsx" "删除空行空列后几 MB 的 xlsx" "删除多余的空行空列后另存；确属大文件可用 --max-unzipped-mb 等参数提高上限";
    F008 "web-page-xls" "网页冒充 xls" "Web page named .xls" E
        "文件是网页（HTML）表格，只是扩展名为 .xls（系统导出常见）。"
        "The file is an HTML table with an .xls name (a common system export)."
        "网页表格不是真正的 Excel 文件，格式信息不可靠。" "导出_20220601.xls 实为 HTML" "另存为 Excel 工作簿的 导出_20220601.xlsx" "用 Excel/WPS 打开该文件，“另存为” Excel 工作簿 (.xlsx) 后重新导入";
    F009 "internal-error" "程序内部出错" "Internal error" E
        "处理该文件时程序内部出错，已跳过该文件，其他文件照常处理。"
        "An internal error while processing the file; it was skipped and the others were processed."
        "不让一个文件拖垮整批处理。" "（程序缺陷）" "（程序修复后同一文件正常读取）" "请把该文件发给维护人员；其他文件的结果不受影响";
    F010 "unreadable-sheet" "工作表读不出" "Unreadable sheet" E
        "工作表无法读取（格式损坏）。"
        "A worksheet cannot be read (damaged format)."
        "该表数据无法导入。" "损坏的工作表" "在 Excel 中另存后能正常打开的工作表" "在 Excel/WPS 中打开并另存后重试";
    F011 "read-limit" "读取超出内存或时间上限" "Read limit" E
        "读取该文件时超出了内存或时间上限（--max-read-mb、--max-read-seconds），已停止读取；其他文件照常处理。"
        "Reading the file exceeded the memory or time limit (--max-read-mb, --max-read-seconds); the others were read."
        "几 KB 的异常文件可能让读取程序耗尽内存或陷入长时间计算；每个文件在受限的子进程中读取，超限只影响该文件。" "1 KB 的 ods 声明重复一百万行" "去掉多余重复行后另存的 .xlsx" "在 Excel/WPS 中打开，删除多余的空行空列后另存为 .xlsx；确属大文件可提高上限";
    F012 "reader-failed" "读取程序无法解析" "Reader failed" E
        "文件内部结构异常，读取程序无法解析（不是常见的损坏或加密）。"
        "The file's inner structure is abnormal and the reader cannot parse it."
        "这样的文件读不出数据，必须让村里换一种方式保存。" "结构不合规范的旧版 xls" "用 Excel/WPS 另存的 .xlsx" "在 Excel/WPS 中打开该文件，“另存为” .xlsx 后重新报送";
    F013 "input-passed-over" "跳过的输入项" "Input passed over" W
        "输入文件夹中被跳过的项：指向文件夹之外的链接、循环链接、同一文件的第二个名字（链接或重复给出）、不是普通文件的项。"
        "An item of the input folder was skipped: a link out of it, a link loop, a second name of the same file, not a regular file."
        "不跟随外部链接，村里的批注件里就不会混进别处的文件；同一文件只读一次，就不会和自己重复。" "输入文件夹里有 passwd.csv -> /etc/passwd" "输入文件夹里只有各村的表格文件" "只把各村的表格文件本身放进输入文件夹";
    F014 "duplicate-row-number" "同一行号出现两次" "Row number twice" E
        "文件里同一个行号出现了两次（手工改过的 xlsx 或有缺陷的导出程序）：两份内容合并为一行，冲突时以后出现的为准，并列出被覆盖的单元格；有冲突时该行退回。"
        "The same row number occurs twice in the file; the two are merged, the later one winning, and conflicts reject the row."
        "电子表格程序打开这种文件时只显示其中一份，另一份的数据会悄悄丢失。" "sheet1.xml 中有两个 <row r=\"4\">" "另存后每个行号只出现一次" "在 Excel/WPS 中打开核对该行后另存为 .xlsx";
    F015 "unclosed-quote" "CSV 引号未关闭" "Unclosed quote in CSV" E
        "CSV 文件里某一格以英文引号开头却没有配对的引号，把后面的若干行连同逗号一起吞进了这一格。"
        "A CSV cell opens a quote that never closes and swallows the rows after it."
        "被吞掉的行不会作为房屋或隐患读入，看起来像少报。" "YH1,\"韦宝,平安村（引号没有关上）" "YH1,韦宝,平安村" "删掉这一格多余的英文引号后另存";
    F016 "old-format" "旧格式或少见格式" "Old or rare format" E
        "文件是现在的读取程序不支持的旧格式或少见格式：Excel 2.x–4.0（1987–1994）的工作表、LibreOffice 平面 XML 表格（.fods）。"
        "Excel 2.x–4.0 worksheets or LibreOffice flat XML (.fods), which the readers do not support."
        "不换格式就读不出数据。" "1990 年代的 .xls（BIFF4）" "另存为 .xlsx 的同一张表" "用 Excel、WPS 或 LibreOffice 打开，另存为 .xlsx 后重新报送";
    F017 "csv-encoding" "CSV 编码问题" "CSV encoding" W
        "CSV 文件有字符按识别出的编码无法解码：常见于同一文件里混用了 GBK 和 UTF-8，或用了繁体 Big5 编码。"
        "Some characters of a CSV file cannot be decoded in the encoding found (mixed GBK and UTF-8, or Big5)."
        "解码错误的字会变成 �，户主姓名、地址就对不上了。" "前半是 UTF-8、后半是 GBK 的拼接文件" "整个文件统一为 UTF-8 编码，或另存为 .xlsx" "用 Excel/WPS 另存为 .xlsx，或把 CSV 另存为 UTF-8 编码";
    // ---- sheets and columns
    S001 "missing-required-column" "缺少必填列" "Missing required column" E
        "识别出的表缺少必填列。"
        "A recognised table lacks a required column."
        "缺一列，整列数据都无法上报。" "表中没有某个必填字段的列" "表中有该字段的列" "在表中补上该列（列名见 selfbuilt template 生成的模板）";
    S002 "unmapped-column" "列名无法识别" "Column not recognised" W
        "表头中有一列无法对应到任何字段，该列数据未导入。"
        "A header column maps to no field; its data is not imported."
        "可能是写错的列名，导致数据丢失。" "列名“户主身分证”" "列名“户主身份证号”" "把列名改为标准列名，或在 schemas/*.toml 的 aliases 中加入该写法";
    S003 "guessed-column" "列名按最接近的字段识别" "Column taken as the nearest field" W
        "列名与标准列名不完全一致，按最接近的字段识别。"
        "A header differs from the field's wordings and was taken as the nearest field."
        "猜测可能出错，请确认。" "列名“建筑面积平米”识别为 建筑面积（㎡）" "列名“建筑面积（㎡）”" "确认无误可忽略；或把列名改为标准写法";
    S004 "duplicate-column" "重复的列" "Duplicate column" W
        "两列对应同一个字段，只使用第一列。"
        "Two columns map to the same field; the first is used."
        "重复列会让人不清楚哪一列为准。" "两列都叫“联系电话”" "只有一列“联系电话”" "删除或改名多余的一列";
    S005 "no-table-in-sheet" "工作表里没有表" "No table in sheet" W
        "该工作表有内容，但找不到可识别的表。"
        "The sheet has content but no recognisable table."
        "表可能放错了工作表，或表头写法无法识别。" "Sheet3 中只有几行说明文字" "说明文字放在“填表说明”工作表" "确认该表不需要导入，或把表头改为标准列名";
    S006 "too-many-columns" "列数过多" "Too many columns" W
        "工作表使用的列数超过上限，超出部分未读取。"
        "The sheet uses more columns than the limit; the rest were not read."
        "异常宽的表通常是格式错误。" "一行占满 16384 列" "只用到 A–U 列" "删除多余的列后另存";
    S007 "sheet-not-recognised" "整张工作表未识别" "Sheet not recognised" E
        "该工作表有内容，但没有识别出任何表；表中每个非空行都以本问题列出，未导入。"
        "The sheet has content but no table was recognised; each non-empty row is listed and not imported."
        "不让任何一行数据悄悄丢失：整张表未导入时，每一行都要能查到。" "工作表“数据”表头写法无法识别，120 行未导入" "表头改为 房屋编码、户主、身份证号……后整表导入" "把表头改为标准列名（selfbuilt template），或把 selfbuilt 写出的 learned.toml 核对后用 --aliases 再运行";
    S008 "not-a-data-sheet" "不是数据表" "Not a data sheet" W
        "图表、宏表、对话框表或 VBA 代码模块不是数据表，跳过并说明；同一工作簿里的数据表照常读取。"
        "A chart, macro sheet, dialog sheet or VBA module is skipped; the data sheets of the workbook are read."
        "带宏或图表的工作簿也要能读出数据。" "工作簿里有一张“图表1”" "（图表照旧保留，数据表正常读取）" "无需处理";
    // ---- cells
    C001 "required-missing" "必填项为空" "Required value missing" E
        "必填字段为空（或只填了“无”“/”等占位符）。"
        "A required field is empty (or holds only a placeholder such as 无 or /)."
        "缺必填项的记录无法上报平台。" "必填的姓名=（空）" "姓名=韦宝" "补填该项";
    C002 "enum-unknown" "选项以外的值" "Value not an option" E
        "填写的值不在允许的选项中，也不是已知的同义写法。"
        "The value is not one of the field's options nor a known synonym of one."
        "平台只接受规定选项，自由填写无法统计。" "结构类型=砖瓦房" "结构类型=砖混结构" "从允许的选项中选一项（见提示中的最接近选项）";
    C003 "not-a-number" "不是数字" "Not a number" E
        "应为数字的单元格无法识别为数字。"
        "A cell that should be a number cannot be read as one."
        "面积、层数等用于统计和风险判断。" "层数=三层半" "层数=3" "填写阿拉伯数字，如 3";
    C004 "out-of-range" "数值超出范围" "Out of range" E
        "数值超出允许范围。"
        "The number is outside the field's range."
        "超出范围的数值多为录入错误（多打一位、单位错误）。" "层数=45" "层数=4" "核对后改为正确数值";
    C005 "bad-date" "日期无法识别" "Date not recognised" E
        "日期无法识别或不存在（如2月30日）。"
        "The date cannot be read or does not exist (30 February)."
        "各类日期是时间线和销号的依据。" "日期=2022.13.5" "日期=2022-05-13" "按“2022-05-19”或“2022年5月19日”填写";
    C006 "date-out-of-range" "日期超出范围" "Date out of range" E
        "日期超出允许范围（如早于专项整治开始或晚于今天）。"
        "The date is outside the allowed range (before the campaign or after today)."
        "时间不合理的记录不可信。" "排查日期=2021-01-01" "排查日期=2022-06-01" "核对日期";
    C007 "two-digit-year" "两位年份" "Two-digit year" W
        "日期只写了两位年份，已按 20xx 年理解。"
        "The date has a two-digit year, read as 20xx."
        "两位年份可能被误解。" "22.5.19" "2022-05-19" "写全四位年份：2022-05-19";
    C008 "id-check-digit" "身份证号校验码不符" "ID check digit" E
        "身份证号校验码不符（GB 11643）。"
        "The ID number fails its check digit (GB 11643)."
        "号码有一位写错，无法关联到人。" "450103196708158644" "450103196708158643" "对照身份证逐位核对";
    C009 "id-float-mangled" "身份证号被存成数字" "ID stored as a number" E
        "身份证号被 Excel 当成数字保存（如 4.50103198001011E+17），后几位已丢失，无法恢复。"
        "Excel stored the ID number as a number (4.50103198001011E+17): its last digits are lost."
        "丢失的位数只能从身份证原件重新录入。" "4.50103198001011E+17" "450103198001011233（文本格式）" "把该列设为“文本”格式（Excel：设置单元格格式→文本；WPS：右键→设置单元格格式→文本），再重新录入完整号码；或在号码前加英文单引号 '";
    C010 "id-legacy-15" "15 位旧身份证号" "15-digit legacy ID" W
        "身份证号是15位旧号码。"
        "The ID number is a 15-digit legacy number."
        "平台要求18位号码。" "450103670815864" "450103196708158643" "换成18位新号码";
    C011 "id-format" "身份证号位数不对" "ID length or characters" E
        "身份证号长度或字符不对（应为18位，最后一位可为X）。"
        "The ID number is not 18 characters (the last may be X)."
        "号码不完整无法核验身份。" "45010319670815864（17位）" "450103196708158643（18位）" "对照身份证补全18位号码";
    C012 "id-birth-date" "身份证号出生日期不存在" "ID birth date" E
        "身份证号中的出生日期不存在。"
        "The birth date inside the ID number does not exist."
        "出生日期无效说明号码录错。" "450103199913325811" "45010319931213581X" "对照身份证核对号码";
    C013 "bad-phone" "电话号码无效" "Phone number" W
        "联系电话不是有效的手机号（1开头11位）或固定电话（0+区号+号码）。"
        "Not a mobile number (11 digits from 1) or a landline (0, area code, number)."
        "联系不上当事人，整改无法落实。" "1381234567" "13812345678" "核对电话号码";
    C014 "bad-coordinate" "经纬度有误" "Coordinates" W
        "经纬度无法识别或不在中国境内。"
        "Longitude or latitude cannot be read or is outside China."
        "坐标用于上图定位，错误坐标会落到境外。" "经度=18.37" "经度=108.37" "按十进制（108.375）或度分秒（108°22′30″）填写";
    C015 "bad-code" "编码格式不对" "Code format" E
        "编码不符合该字段规定的格式（见该字段的填写说明）。"
        "A code does not have the field's format (its pattern)."
        "编码是与国家平台对接的唯一标识。" "YH45010300346612" "YH450103003466128" "对照平台核对编码";
    C016 "bad-bool" "是/否填写有误" "Yes/no" E
        "是/否字段填写了无法识别的值。"
        "A yes/no field holds something else."
        "无法判断是否改扩建、是否鉴定。" "是否鉴定=待定" "是否鉴定=否" "填写“是”或“否”";
    C017 "error-cell" "Excel 错误值" "Excel error value" E
        "单元格是 Excel 错误值（#REF!、#N/A、#DIV/0! 等），通常是公式引用失效。"
        "The cell is an Excel error value (#REF!, #N/A, #DIV/0!), usually a broken formula."
        "错误值没有实际数据。" "面积=#REF!" "面积=120" "把公式改成数值（复制→选择性粘贴→数值）后重新填写";
    C018 "approximate-number" "约数" "Approximate number" E
        "数值是约数或范围（如“约120”“100-120”）。"
        "The number is approximate or a range (约120, 100-120)."
        "统计需要确定的数值。" "建筑面积=约120" "建筑面积=120" "填写一个确定的数值";
    C019 "text-length" "文字长度不对" "Text length" E
        "文本长度不在允许范围内。"
        "The text is shorter or longer than the field allows."
        "过短或过长通常是录入错误。" "姓名=张" "姓名=张三" "填写完整姓名";
    C020 "integer-expected" "应为整数" "Integer expected" E
        "应为整数的单元格填了小数。"
        "A field of whole numbers holds a fraction."
        "层数、年份只能是整数。" "层数=3.5" "层数=4" "填写整数";
    C021 "no-campaign-equivalent" "本次整治没有对应选项" "No equivalent in this campaign" E
        "填写的值在其他调查（如自然灾害风险普查）中有意义，但本次专项整治没有对应的选项或含义（如结构类型“窑洞”、建成年份填了“建造年代”分档代码）。"
        "The value means something in another survey but has no option or meaning in this campaign."
        "套用别的表的口径会让统计失真。" "结构类型=窑洞；建成年份=3" "结构类型=土木/石木结构；建成年份=2003" "按本次整治的选项或实际年份填写，必要时在备注中说明";
    C022 "text-cut" "文字过长被截断" "Text cut" W
        "单元格里的文字超过一个单元格能装的 32767 个字，输出时截断并加“…（已截断）”标记，改动记入 changes.csv。"
        "The text exceeds the 32,767 characters a cell holds and was cut (marked, and in changes.csv)."
        "过长的单元格会让表格程序打不开或悄悄截掉内容。" "一格里粘贴了整篇报告" "一格里写要点，详细报告作附件" "把过长的内容移到附件，表中只留要点";
}
