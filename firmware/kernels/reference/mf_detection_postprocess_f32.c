/* TFLite_Detection_PostProcess, float32 (TFLM's detection_postprocess.cc semantics). */
#include <math.h>
#include <string.h>

#include "mcuforge/nn.h"

/* value order of TFLM's DecreasingPartialArgSort: by value descending, then index ascending */
static int ahead(const float *v, int32_t i, int32_t j)
{
    return v[i] > v[j] || (v[i] == v[j] && i < j);
}

/* indices[0..k) = the k first of 0..n-1 in that order */
static void partial_argsort(const float *v, int32_t n, int32_t k, int32_t *indices)
{
    for (int32_t i = 0; i < n; ++i) {
        indices[i] = i;
    }
    for (int32_t i = 0; i < k; ++i) {
        int32_t best = i;
        for (int32_t j = i + 1; j < n; ++j) {
            if (ahead(v, indices[j], indices[best])) {
                best = j;
            }
        }
        const int32_t t = indices[i];
        indices[i] = indices[best];
        indices[best] = t;
    }
}

/* indices = 0..n-1 stably sorted by v descending (TFLM's DecreasingArgSort is a stable merge sort) */
static void stable_argsort(const float *v, int32_t n, int32_t *indices, int32_t *tmp)
{
    for (int32_t i = 0; i < n; ++i) {
        indices[i] = i;
    }
    for (int32_t width = 1; width < n; width *= 2) {
        for (int32_t lo = 0; lo < n; lo += 2 * width) {
            const int32_t mid = lo + width < n ? lo + width : n;
            const int32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            int32_t a = lo, b = mid, k = lo;
            while (k < hi) {
                if (a >= mid || (b < hi && v[indices[b]] > v[indices[a]])) {
                    tmp[k++] = indices[b++];
                } else {
                    tmp[k++] = indices[a++];
                }
            }
        }
        memcpy(indices, tmp, (size_t)n * sizeof *indices);
    }
}

static float iou(const float *boxes, int32_t i, int32_t j)
{
    const float *a = boxes + 4 * i, *b = boxes + 4 * j;
    const float area_a = (a[2] - a[0]) * (a[3] - a[1]);
    const float area_b = (b[2] - b[0]) * (b[3] - b[1]);
    if (area_a <= 0 || area_b <= 0) {
        return 0.0f;
    }
    const float ymin = a[0] > b[0] ? a[0] : b[0];
    const float xmin = a[1] > b[1] ? a[1] : b[1];
    const float ymax = a[2] < b[2] ? a[2] : b[2];
    const float xmax = a[3] < b[3] ? a[3] : b[3];
    const float h = ymax - ymin, w = xmax - xmin;
    const float inter = (h > 0.0f ? h : 0.0f) * (w > 0.0f ? w : 0.0f);
    return inter / (area_a + area_b - inter);
}

/* TFLM's NonMaxSuppressionSingleClassHelper: picks (box indices) into p->selected; their count */
static int32_t nms_one_class(const mf_detection_postprocess_params *p, const float *scores, int32_t max_detections)
{
    int32_t kept = 0;
    for (int32_t i = 0; i < p->num_boxes; ++i) {
        if (scores[i] >= p->score_threshold) {
            p->keep_scores[kept] = scores[i];
            p->keep_indices[kept] = i;
            ++kept;
        }
    }
    stable_argsort(p->keep_scores, kept, p->sorted_indices, p->keep_indices);
    kept = 0;
    for (int32_t i = 0; i < p->num_boxes; ++i) {
        if (scores[i] >= p->score_threshold) {
            p->keep_indices[kept++] = i;
        }
    }
    const int32_t out_size = kept < max_detections ? kept : max_detections;
    int32_t n_selected = 0, active = kept;
    memset(p->active, 1, (size_t)kept);
    for (int32_t i = 0; i < kept; ++i) {
        if (active == 0 || n_selected >= out_size) {
            break;
        }
        if (!p->active[i]) {
            continue;
        }
        const int32_t box = p->keep_indices[p->sorted_indices[i]];
        p->selected[n_selected++] = box;
        p->active[i] = 0;
        --active;
        for (int32_t j = i + 1; j < kept; ++j) {
            if (p->active[j] && iou(p->decoded, box, p->keep_indices[p->sorted_indices[j]]) > p->iou_threshold) {
                p->active[j] = 0;
                --active;
            }
        }
    }
    return n_selected;
}

static void put(const mf_detection_postprocess_params *p, int32_t row, int32_t box, float cls, float score,
                float *boxes, float *classes, float *scores)
{
    memcpy(boxes + 4 * row, p->decoded + 4 * box, 4 * sizeof *boxes);
    classes[row] = cls;
    scores[row] = score;
}

static float regular_nms(const mf_detection_postprocess_params *p, const float *pred, float *boxes, float *classes,
                         float *scores)
{
    const int32_t ncb = p->classes_with_background, offset = ncb - p->num_classes;
    int32_t merged = 0;
    for (int32_t c = 0; c < p->num_classes; ++c) {
        for (int32_t r = 0; r < p->num_boxes; ++r) {
            p->class_scores[r] = pred[r * ncb + c + offset];
        }
        const int32_t n_selected = nms_one_class(p, p->class_scores, p->detections_per_class);
        int32_t n = merged;
        for (int32_t i = 0; i < n_selected; ++i) {
            p->box_indices[n] = p->selected[i] * ncb + c + offset;
            p->merged_scores[n] = p->class_scores[p->selected[i]];
            ++n;
        }
        const int32_t k = n < p->max_detections ? n : p->max_detections;
        partial_argsort(p->merged_scores, n, k, p->sorted_indices);
        for (int32_t r = 0; r < k; ++r) {
            const int32_t t = p->sorted_indices[r];
            p->sorted_indices[r] = p->box_indices[t];
            p->sorted_scores[r] = p->merged_scores[t];
        }
        for (int32_t r = 0; r < k; ++r) {
            p->box_indices[r] = p->sorted_indices[r];
            p->merged_scores[r] = p->sorted_scores[r];
        }
        merged = k;
    }
    for (int32_t r = 0; r < merged; ++r) {
        const int32_t anchor = p->box_indices[r] / ncb;
        put(p, r, anchor, (float)(p->box_indices[r] - anchor * ncb - offset), p->merged_scores[r], boxes, classes,
            scores);
    }
    return (float)merged;
}

static float fast_nms(const mf_detection_postprocess_params *p, const float *pred, float *boxes, float *classes,
                      float *scores)
{
    const int32_t ncb = p->classes_with_background, offset = ncb - p->num_classes;
    const int32_t per_box = p->max_classes_per_detection < p->num_classes ? p->max_classes_per_detection
                                                                          : p->num_classes;
    for (int32_t r = 0; r < p->num_boxes; ++r) {
        const float *box_scores = pred + r * ncb + offset;
        int32_t *order = p->box_indices + r * p->num_classes;
        partial_argsort(box_scores, p->num_classes, per_box, order);
        p->class_scores[r] = box_scores[order[0]];
    }
    const int32_t n_selected = nms_one_class(p, p->class_scores, p->max_detections);
    int32_t entry = 0;
    for (int32_t i = 0; i < n_selected; ++i) {
        const int32_t box = p->selected[i];
        const float *box_scores = pred + box * ncb + offset;
        const int32_t *order = p->box_indices + box * p->num_classes;
        for (int32_t c = 0; c < per_box; ++c) {
            /* TFLM's row for the entry-th written detection: per_box * entry + c (with per_box > 1 it
             * leaves gaps and runs past the outputs; rows past max_out are not written here) */
            const int32_t row = per_box * entry + c;
            if (row < p->max_out) {
                put(p, row, box, (float)order[c], box_scores[order[c]], boxes, classes, scores);
            }
            ++entry;
        }
    }
    return (float)entry;
}

void mf_detection_postprocess_f32(const mf_detection_postprocess_params *p, const float *box_encodings,
                                  const float *class_predictions, const float *anchors, float *boxes,
                                  float *classes, float *scores, float *num_detections)
{
    int valid = 1;
    for (int32_t i = 0; i < p->num_boxes; ++i) {
        const float *e = box_encodings + (size_t)i * p->box_stride;
        const float *a = anchors + 4 * i;
        const float yc = (float)((double)e[0] / (double)p->y_scale * (double)a[2] + (double)a[0]);
        const float xc = (float)((double)e[1] / (double)p->x_scale * (double)a[3] + (double)a[1]);
        const float half_h = (float)(0.5 * exp((double)e[2] / (double)p->h_scale) * (double)a[2]);
        const float half_w = (float)(0.5 * exp((double)e[3] / (double)p->w_scale) * (double)a[3]);
        float *d = p->decoded + 4 * i;
        d[0] = yc - half_h;
        d[1] = xc - half_w;
        d[2] = yc + half_h;
        d[3] = xc + half_w;
        if (d[0] >= d[2] || d[1] >= d[3]) {
            valid = 0;
        }
    }
    memset(boxes, 0, (size_t)p->max_out * 4 * sizeof *boxes);
    memset(classes, 0, (size_t)p->max_out * sizeof *classes);
    memset(scores, 0, (size_t)p->max_out * sizeof *scores);
    if (!valid) {
        num_detections[0] = 0.0f;
        return;
    }
    num_detections[0] = p->regular_nms ? regular_nms(p, class_predictions, boxes, classes, scores)
                                       : fast_nms(p, class_predictions, boxes, classes, scores);
}
