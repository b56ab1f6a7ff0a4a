"""The dashboard's words in Chinese and English. ``text(lang, key)`` returns the label; every key exists
in both languages (a test checks it)."""

from __future__ import annotations

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

LABELS: dict[str, dict[str, str]] = {
    # navigation and frame
    "app_title": {"zh": "关键节点健康看板", "en": "Key-node health dashboard"},
    "language": {"zh": "语言", "en": "Language"},
    "page_overview": {"zh": "总览", "en": "Overview"},
    "page_funnel": {"zh": "漏斗", "en": "Funnels"},
    "page_health": {"zh": "节点健康", "en": "Node health"},
    "page_sku": {"zh": "SKU 看板", "en": "SKU board"},
    "not_published": {
        "zh": "尚无发布的 BI 数据：请先运行 keynode run。",
        "en": "Nothing published yet: run keynode run first.",
    },
    "no_rows": {"zh": "暂无数据", "en": "No data"},
    "funnel": {"zh": "漏斗", "en": "Funnel"},
    "day": {"zh": "日期", "en": "Day"},
    "node": {"zh": "节点", "en": "Node"},
    "step": {"zh": "步骤", "en": "Step"},
    # overview
    "freshness": {"zh": "发布新鲜度", "en": "Publication freshness"},
    "version": {"zh": "版本", "en": "Version"},
    "published_at": {"zh": "发布时间 (UTC)", "en": "Published at (UTC)"},
    "hours_since": {"zh": "距发布小时数", "en": "Hours since publication"},
    "data_through": {"zh": "数据截至", "en": "Data through"},
    "serving_reason": {"zh": "服务状态", "en": "Serving"},
    "served_published": {"zh": "最新构建", "en": "newest build"},
    "served_held_back": {"zh": "最新构建未通过审核，沿用上一版", "en": "newest build held back"},
    "served_rolled_back": {"zh": "已回滚", "en": "rolled back"},
    "checks": {"zh": "审核", "en": "Checks"},
    "key_nodes": {"zh": "关键节点", "en": "Key nodes"},
    "key_nodes_note": {
        "zh": "先列关键节点，再列候选节点（按 ROI 贡献排序）；数值为转化窗口已结束的最新一天。",
        "en": "Key nodes first, then the strongest candidates (by ROI share); newest complete day.",
    },
    "is_key_node": {"zh": "关键节点", "en": "Key node"},
    "open_incidents": {"zh": "未关闭事件", "en": "Open incidents"},
    "open_incidents_by_level": {"zh": "按处置级别的未关闭事件", "en": "Open incidents by ladder level"},
    "ladder_level": {"zh": "级别", "en": "Ladder level"},
    "ladder_0": {"zh": "0 监控", "en": "0 monitor"},
    "ladder_1": {"zh": "1 风险评估", "en": "1 risk assessment"},
    "ladder_2": {"zh": "2 重建数据模型", "en": "2 rebuild data model"},
    "ladder_3": {"zh": "3 冗余备份", "en": "3 redundant backup"},
    "users_reached": {"zh": "到达用户数", "en": "Users reached"},
    "step_conversion": {"zh": "步骤转化率", "en": "Step conversion"},
    "latency_rate": {"zh": "数据延迟率", "en": "Data latency rate"},
    "health_score": {"zh": "健康分", "en": "Health score"},
    "roi_share": {"zh": "ROI 贡献占比", "en": "ROI contribution share"},
    "department": {"zh": "负责部门", "en": "Department"},
    # funnel page
    "funnel_daily": {"zh": "每日步骤转化率（红点 = 异常）", "en": "Step conversion per day (red = anomaly)"},
    "nodes_shown": {"zh": "显示的节点", "en": "Nodes shown"},
    "flagged_metrics": {"zh": "异常指标", "en": "Flagged metrics"},
    "gap_points": {"zh": "断点排名", "en": "Gap points ranked"},
    "gap_rank": {"zh": "排名", "en": "Rank"},
    "node_pair": {"zh": "节点对", "en": "Node pair"},
    "loss_rate": {"zh": "流失率", "en": "Loss rate"},
    "loss_rate_deviation": {"zh": "流失率偏离常态", "en": "Loss rate above its norm"},
    "users_from": {"zh": "进入用户", "en": "Users entering"},
    "segments": {"zh": "分群对比", "en": "Breakdown by segment"},
    "segment_type": {"zh": "分群维度", "en": "Segment"},
    "segment": {"zh": "分群", "en": "Segment"},
    "seg_channel_group": {"zh": "渠道", "en": "Channel group"},
    "seg_platform": {"zh": "平台", "en": "Platform"},
    "seg_is_new_user": {"zh": "新老用户", "en": "New or returning"},
    "seg_member_tier": {"zh": "会员等级", "en": "Member tier"},
    "share_of_entry": {"zh": "占入口用户比例", "en": "Share of entry users"},
    # node health page
    "health_heatmap": {"zh": "节点 × 日期 健康分", "en": "Health score, node × day"},
    "latency_chart": {
        "zh": "数据延迟率（红线 = 5% 行动线）",
        "en": "Data latency rate (red line = 5 % limit)",
    },
    "lineage": {"zh": "不健康节点的上游血缘", "en": "Lineage of an unhealthy node"},
    "unhealthy_node_day": {"zh": "不健康的节点日", "en": "Unhealthy node-day"},
    "no_unhealthy": {"zh": "没有延迟超标的节点日。", "en": "No node-day above the latency limit."},
    "lineage_layer": {"zh": "层", "en": "Layer"},
    # SKU board
    "stockout_rate": {"zh": "缺货率", "en": "Stock-out rate"},
    "wasted_spend": {"zh": "浪费的营销花费", "en": "Wasted marketing spend"},
    "wasted_exposure": {"zh": "缺货期间的营销曝光浪费", "en": "Wasted exposure on out-of-stock SKUs"},
    "category": {"zh": "品类", "en": "Category"},
    "replenishment_alerts": {"zh": "补货预警", "en": "Replenishment alerts"},
    "alerts_by_day": {"zh": "每日补货预警（按规则）", "en": "Replenishment alerts per day (by rule)"},
    "alerts": {"zh": "预警数", "en": "Alerts"},
    "rule": {"zh": "规则", "en": "Rule"},
    "new_alerts_today": {"zh": "今日新预警", "en": "New alerts on the newest day"},
    "days_of_cover": {"zh": "可售天数", "en": "Days of cover"},
    "lowest_cover": {"zh": "可售天数最少的 SKU", "en": "SKUs with the fewest days of cover"},
    "has_alert": {"zh": "有预警", "en": "Alert firing"},
    "sku": {"zh": "SKU", "en": "SKU"},
    "order_qty": {"zh": "建议补货量", "en": "Recommended order quantity"},
    "stockout_chart": {"zh": "每日缺货率", "en": "Stock-out rate per day"},
}


def text(lang: str, key: str) -> str:
    """The label ``key`` in ``lang`` (zh or en)."""
    return LABELS[key][lang]
